// Translation unit for components that are header-only so far.

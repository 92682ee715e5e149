#include <iostream>

int main(int argc, char** argv) {
  std::cerr << "coco-admit: no command\n";
  return 2;
}

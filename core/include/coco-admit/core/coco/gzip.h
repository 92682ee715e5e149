// gzip (RFC 1952) through zlib, for the initdata annotation.
//
// Decompression is bounded: the caller names the largest output it accepts,
// so a small "gzip bomb" cannot make the webhook allocate gigabytes.
// Compression is deterministic: fixed header (mtime 0, no name, OS byte 255
// "unknown" as Go's compress/gzip writes it), fixed level and strategy, so the
// same TOML always gives the same annotation bytes with the same zlib.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "coco-admit/core/result.h"

namespace coco_admit::coco {

/// True when `data` starts with the gzip magic bytes 1f 8b.
bool has_gzip_magic(std::string_view data) noexcept;

/// Decompresses exactly one gzip member. Errors (kind budget) when the output
/// would exceed `max_bytes`; errors (kind invalid) on a missing magic, a
/// corrupt or truncated stream, a CRC/length mismatch, or bytes after the
/// member (Go's reader would try to read them as another member while Rust's
/// GzDecoder ignores them, so the shims would disagree).
result<std::string> gunzip(std::string_view data, std::size_t max_bytes);

/// gzip with a fixed header and compression level 9.
std::string gzip_deterministic(std::string_view data);

}  // namespace coco_admit::coco

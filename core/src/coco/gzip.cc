#include "coco-admit/core/coco/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <array>

namespace coco_admit::coco {

bool has_gzip_magic(std::string_view data) noexcept {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f && static_cast<unsigned char>(data[1]) == 0x8b;
}

result<std::string> gunzip(std::string_view data, std::size_t max_bytes) {
  if (!has_gzip_magic(data)) {
    return error::invalid("not gzip data (magic bytes missing)");
  }
  z_stream zs{};
  // 16 + MAX_WBITS: gzip wrapper only (no zlib/raw auto-detection).
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    return error::internal("zlib inflateInit2 failed");
  }
  struct guard {
    z_stream* z;
    ~guard() { inflateEnd(z); }
  } g{&zs};
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  // Initdata is bounded far below 4 GiB; clamp so the uInt cast is exact.
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(data.size(), 0xffffffffu));
  std::string out;
  std::array<char, 16384> buf;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    int rc = inflate(&zs, Z_NO_FLUSH);
    std::size_t produced = buf.size() - zs.avail_out;
    if (out.size() + produced > max_bytes) {
      return error::budget("decompressed size exceeds " + std::to_string(max_bytes) +
                           " bytes (gzip bomb protection)");
    }
    out.append(buf.data(), produced);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR) {
      // No progress possible: the input ended before the stream did.
      return error::invalid("truncated gzip stream (unexpected end of data after " + std::to_string(zs.total_in) +
                            " bytes)");
    }
    std::string why = zs.msg ? zs.msg : "zlib error " + std::to_string(rc);
    return error::invalid("corrupt gzip stream at input byte " + std::to_string(zs.total_in) + ": " + why);
  }
  if (zs.total_in != data.size()) {
    return error::invalid(std::to_string(data.size() - zs.total_in) +
                          " bytes of trailing data after the gzip stream");
  }
  return out;
}

std::string gzip_deterministic(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  gz_header header{};
  header.time = 0;
  header.os = 255;
  deflateSetHeader(&zs, &header);
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  std::size_t n = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return {};
  out.resize(n);
  return out;
}

}  // namespace coco_admit::coco

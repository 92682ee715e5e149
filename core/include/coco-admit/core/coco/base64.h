// Base64 codecs for Confidential Containers values.
//
// Two alphabets matter: the initdata annotation is standard base64 with '='
// padding (Go base64.StdEncoding in the Kata shim, Rust STANDARD in
// runtime-rs), and sealed-secret JWS sections are base64url without padding
// (Rust URL_SAFE_NO_PAD in CDH). The decoders are strict, like the Rust
// engines: no whitespace, no line breaks, no mixed alphabets, canonical
// padding and zero trailing bits. Errors name the byte offset and the reason,
// with a hint when the input used the other alphabet.
#pragma once

#include <string>
#include <string_view>

#include "coco-admit/core/result.h"

namespace coco_admit::coco {

/// Standard alphabet (`+/`), '=' padding required. Rejects line breaks
/// (Go's decoder skips them but Rust's rejects them, so a wrapped value
/// behaves differently per shim), base64url characters, missing or misplaced
/// padding and non-zero trailing bits.
result<std::string> base64_decode_strict(std::string_view text);

/// URL-safe alphabet (`-_`), no padding (JWS compact serialisation).
result<std::string> base64url_decode_strict(std::string_view text);

/// Standard alphabet with padding, one line.
std::string base64_encode(std::string_view bytes);
/// The same, appended to `out`: an admission response takes its patch this way, without a copy.
/// On x86-64 with AVX2 it encodes 24 bytes per step.
void base64_encode_append(std::string_view bytes, std::string& out);

namespace detail {
/// base64_encode_append without SIMD, whatever the CPU: tests hold both to one reference.
void base64_encode_append_portable(std::string_view bytes, std::string& out);
}  // namespace detail

/// URL-safe alphabet without padding.
std::string base64url_encode(std::string_view bytes);

}  // namespace coco_admit::coco

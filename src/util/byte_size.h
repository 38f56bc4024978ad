// Sizes for people: parsed from settings ("64MiB", "64M", "1G", "1048576")
// and printed in logs ("1.23 GiB").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgdump2s3 {

// Binary units (K = KiB = 1024); a bare number is bytes. nullopt when the
// text is not a size.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);
// "1.23 GiB", "456 MiB", "12 KiB", "7 B".
std::string human_bytes(std::uint64_t bytes);

}  // namespace pgdump2s3

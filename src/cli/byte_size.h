// Sizes given by people: "64MiB", "64M", "1G", "1048576".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgdump2s3::cli {

// Binary units (K = KiB = 1024); a bare number is bytes. nullopt when the
// text is not a size.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);
// "64 MiB", "1.5 GiB", "512 B".
std::string format_byte_size(std::uint64_t bytes);

}  // namespace pgdump2s3::cli

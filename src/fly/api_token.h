// The Authorization header for a Fly API token, as Fly's own Go client sends
// it (fly-go tokens/tokens.go; shared/refdata/fly/NOTES.md §1).
#pragma once

#include <string>
#include <string_view>

namespace pgdump2s3::fly {

// The token without surrounding blanks and without a "Bearer " or "FlyV1 "
// scheme in front (`fly tokens create` prints "FlyV1 fm2_...", and users
// paste it whole).
std::string bare_token(std::string_view token);

// "FlyV1 <token>" for macaroon tokens (fm1r_, fm1a_, fm2_ prefixes),
// "Bearer <token>" for the others (older personal access tokens).
std::string authorization_header(std::string_view token);

}  // namespace pgdump2s3::fly

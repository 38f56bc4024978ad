// The XML documents of the S3 REST API, read and written with pugixml (never
// by string search). Pure functions over text; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgdump2s3::s3 {

// <Error> (AWS S3 API reference, "Error responses"). S3 may send it with
// status 200 on CompleteMultipartUpload, so callers check 2xx bodies too.
struct ErrorDocument {
  std::string code;
  std::string message;
  std::string request_id;
  std::string region;    // <Region>: AuthorizationHeaderMalformed names the right one
  std::string endpoint;  // <Endpoint>: PermanentRedirect names the bucket's host
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;             // as UploadPart returned it, quotes included
  std::string checksum_sha256;  // base64, when the upload declared SHA256; else empty
};

struct ObjectSummary {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;
  std::string last_modified;  // ISO 8601, as S3 sends it
};

struct ListObjectsPage {
  std::vector<ObjectSummary> objects;
  std::vector<std::string> common_prefixes;
  std::string next_continuation_token;  // empty when the listing is complete
};

struct MultipartUploadSummary {
  std::string key;
  std::string upload_id;
  std::string initiated;
};

struct ListUploadsPage {
  std::vector<MultipartUploadSummary> uploads;
  // Both empty when the listing is complete.
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

struct DeleteFailure {
  std::string key;
  std::string code;
  std::string message;
};

// nullopt unless `body` is an XML document whose root is <Error>.
std::optional<ErrorDocument> parse_error(std::string_view body);

// The parsers below throw RuntimeError when the body is not the expected
// document (a proxy's HTML page, a truncated body).
std::string parse_upload_id(std::string_view body);                 // InitiateMultipartUploadResult
std::string parse_complete_etag(std::string_view body);             // CompleteMultipartUploadResult
ListObjectsPage parse_list_objects_v2(std::string_view body);       // ListBucketResult
ListUploadsPage parse_list_multipart_uploads(std::string_view body);  // ListMultipartUploadsResult
std::vector<DeleteFailure> parse_delete_result(std::string_view body);  // DeleteResult

// Request bodies, in the S3 namespace, with keys escaped as XML requires.
std::string complete_multipart_upload_xml(const std::vector<CompletedPart>& parts);
// <Delete><Quiet>true</Quiet>: S3 then lists only the keys it failed to delete.
std::string delete_objects_xml(const std::vector<std::string>& keys);

}  // namespace pgdump2s3::s3

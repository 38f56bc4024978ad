#include "s3/s3_xml.h"

#include <pugixml.hpp>

#include <sstream>

#include "util/error.h"

namespace pgdump2s3::s3 {
namespace {

constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

pugi::xml_document load(std::string_view body, const char* root_name, const char* what) {
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size());
  if (!parsed || std::string_view(doc.document_element().name()) != root_name) {
    throw RuntimeError(std::string("S3 answered a ") + what + " request with an unexpected body (expected <" +
                       root_name + ">, " + std::to_string(body.size()) + " bytes)");
  }
  return doc;
}

std::string text_of(const pugi::xml_node& node, const char* child) { return node.child(child).text().as_string(); }

std::string to_string(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

}  // namespace

std::optional<ErrorDocument> parse_error(std::string_view body) {
  if (body.empty()) return std::nullopt;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return std::nullopt;
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "Error") return std::nullopt;
  ErrorDocument error;
  error.code = text_of(root, "Code");
  error.message = text_of(root, "Message");
  error.request_id = text_of(root, "RequestId");
  error.region = text_of(root, "Region");
  error.endpoint = text_of(root, "Endpoint");
  return error;
}

std::string parse_upload_id(std::string_view body) {
  pugi::xml_document doc = load(body, "InitiateMultipartUploadResult", "CreateMultipartUpload");
  std::string id = text_of(doc.document_element(), "UploadId");
  if (id.empty()) throw RuntimeError("S3 answered CreateMultipartUpload without an UploadId");
  return id;
}

std::string parse_complete_etag(std::string_view body) {
  pugi::xml_document doc = load(body, "CompleteMultipartUploadResult", "CompleteMultipartUpload");
  // Ceph RGW 16 sends an empty <ETag> here (tools/README.md); HEAD has it.
  return text_of(doc.document_element(), "ETag");
}

ListObjectsPage parse_list_objects_v2(std::string_view body) {
  pugi::xml_document doc = load(body, "ListBucketResult", "ListObjectsV2");
  pugi::xml_node root = doc.document_element();
  ListObjectsPage page;
  for (pugi::xml_node c : root.children("Contents")) {
    page.objects.push_back({text_of(c, "Key"), c.child("Size").text().as_ullong(), text_of(c, "ETag"),
                            text_of(c, "LastModified")});
  }
  for (pugi::xml_node p : root.children("CommonPrefixes")) page.common_prefixes.push_back(text_of(p, "Prefix"));
  if (root.child("IsTruncated").text().as_bool()) {
    page.next_continuation_token = text_of(root, "NextContinuationToken");
    if (page.next_continuation_token.empty()) {
      throw RuntimeError("S3 answered a truncated ListObjectsV2 page without NextContinuationToken");
    }
  }
  return page;
}

ListUploadsPage parse_list_multipart_uploads(std::string_view body) {
  pugi::xml_document doc = load(body, "ListMultipartUploadsResult", "ListMultipartUploads");
  pugi::xml_node root = doc.document_element();
  ListUploadsPage page;
  for (pugi::xml_node u : root.children("Upload")) {
    page.uploads.push_back({text_of(u, "Key"), text_of(u, "UploadId"), text_of(u, "Initiated")});
  }
  if (root.child("IsTruncated").text().as_bool()) {
    page.next_key_marker = text_of(root, "NextKeyMarker");
    page.next_upload_id_marker = text_of(root, "NextUploadIdMarker");
    if (page.next_key_marker.empty() && page.next_upload_id_marker.empty()) {
      throw RuntimeError("S3 answered a truncated ListMultipartUploads page without markers");
    }
  }
  return page;
}

std::vector<DeleteFailure> parse_delete_result(std::string_view body) {
  pugi::xml_document doc = load(body, "DeleteResult", "DeleteObjects");
  std::vector<DeleteFailure> failures;
  for (pugi::xml_node e : doc.document_element().children("Error")) {
    failures.push_back({text_of(e, "Key"), text_of(e, "Code"), text_of(e, "Message")});
  }
  return failures;
}

std::string complete_multipart_upload_xml(const std::vector<CompletedPart>& parts) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("CompleteMultipartUpload");
  root.append_attribute("xmlns") = kS3Namespace;
  for (const CompletedPart& part : parts) {
    pugi::xml_node p = root.append_child("Part");
    p.append_child("PartNumber").text() = part.part_number;
    p.append_child("ETag").text() = part.etag.c_str();
    if (!part.checksum_sha256.empty()) p.append_child("ChecksumSHA256").text() = part.checksum_sha256.c_str();
  }
  return to_string(doc);
}

std::string delete_objects_xml(const std::vector<std::string>& keys) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("Delete");
  root.append_attribute("xmlns") = kS3Namespace;
  root.append_child("Quiet").text() = "true";
  for (const std::string& key : keys) {
    root.append_child("Object").append_child("Key").text() = key.c_str();
  }
  return to_string(doc);
}

}  // namespace pgdump2s3::s3

#include "s3/s3_xml.h"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "util/error.h"

namespace pgdump2s3::s3 {
namespace {

TEST(S3Xml, ParsesAnErrorDocument) {
  auto e = parse_error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AuthorizationHeaderMalformed</Code>"
      "<Message>the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region>"
      "<RequestId>R1</RequestId></Error>");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "AuthorizationHeaderMalformed");
  EXPECT_EQ(e->region, "eu-west-1");
  EXPECT_EQ(e->request_id, "R1");
  EXPECT_FALSE(parse_error(""));
  EXPECT_FALSE(parse_error("<html>bad gateway</html>"));
  EXPECT_FALSE(parse_error("<CompleteMultipartUploadResult/>"));
}

TEST(S3Xml, ParsesUploadIdAndCompleteResult) {
  EXPECT_EQ(parse_upload_id("<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                            "<Bucket>b</Bucket><Key>k</Key><UploadId>abc.123</UploadId></InitiateMultipartUploadResult>"),
            "abc.123");
  EXPECT_THROW(parse_upload_id("<InitiateMultipartUploadResult/>"), RuntimeError);
  EXPECT_THROW(parse_upload_id("not xml"), RuntimeError);
  EXPECT_EQ(parse_complete_etag("<CompleteMultipartUploadResult><ETag>\"e-2\"</ETag></CompleteMultipartUploadResult>"),
            "\"e-2\"");
  EXPECT_THROW(parse_complete_etag("<Error><Code>InternalError</Code></Error>"), RuntimeError);
}

TEST(S3Xml, ParsesListObjectsV2Pages) {
  ListObjectsPage page = parse_list_objects_v2(
      "<ListBucketResult><Name>b</Name><Contents><Key>a &amp; b</Key><Size>12</Size><ETag>\"x\"</ETag>"
      "<LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents><Contents><Key>c</Key><Size>5368709120</Size>"
      "</Contents><CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>tok/+=</NextContinuationToken></ListBucketResult>");
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "a & b");
  EXPECT_EQ(page.objects[0].size, 12u);
  EXPECT_EQ(page.objects[1].size, 5368709120ull);
  EXPECT_EQ(page.common_prefixes, std::vector<std::string>{"d/"});
  EXPECT_EQ(page.next_continuation_token, "tok/+=");
  EXPECT_EQ(parse_list_objects_v2("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")
                .next_continuation_token,
            "");
  EXPECT_THROW(parse_list_objects_v2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
               RuntimeError);
}

TEST(S3Xml, ParsesUploadsAndDeleteResults) {
  ListUploadsPage uploads = parse_list_multipart_uploads(
      "<ListMultipartUploadsResult><Upload><Key>k</Key><UploadId>u1</UploadId><Initiated>t</Initiated></Upload>"
      "<IsTruncated>true</IsTruncated><NextKeyMarker>k</NextKeyMarker><NextUploadIdMarker>u1</NextUploadIdMarker>"
      "</ListMultipartUploadsResult>");
  ASSERT_EQ(uploads.uploads.size(), 1u);
  EXPECT_EQ(uploads.uploads[0].upload_id, "u1");
  EXPECT_EQ(uploads.next_key_marker, "k");
  auto failures = parse_delete_result(
      "<DeleteResult><Deleted><Key>ok</Key></Deleted><Error><Key>no</Key><Code>AccessDenied</Code>"
      "<Message>Access Denied</Message></Error></DeleteResult>");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].key, "no");
  EXPECT_EQ(failures[0].code, "AccessDenied");
}

TEST(S3Xml, BuildsRequestBodiesThatAnXmlParserReadsBack) {
  std::string complete = complete_multipart_upload_xml({{1, "\"a\"", ""}, {2, "\"b\"", "c2hhMjU2"}});
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(complete.c_str()));
  auto root = doc.child("CompleteMultipartUpload");
  EXPECT_STREQ(root.attribute("xmlns").value(), "http://s3.amazonaws.com/doc/2006-03-01/");
  EXPECT_EQ(root.child("Part").child("PartNumber").text().as_int(), 1);
  EXPECT_STREQ(root.child("Part").next_sibling("Part").child("ETag").text().get(), "\"b\"");
  EXPECT_FALSE(root.child("Part").child("ChecksumSHA256"));
  EXPECT_STREQ(root.child("Part").next_sibling("Part").child("ChecksumSHA256").text().get(), "c2hhMjU2");

  std::string del = delete_objects_xml({"a<b>&c", "d"});
  ASSERT_TRUE(doc.load_string(del.c_str()));
  EXPECT_TRUE(doc.child("Delete").child("Quiet").text().as_bool());
  EXPECT_STREQ(doc.child("Delete").child("Object").child("Key").text().get(), "a<b>&c");
}

}  // namespace
}  // namespace pgdump2s3::s3

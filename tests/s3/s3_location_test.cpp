#include "s3/s3_location.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace pgdump2s3::s3 {
namespace {

TEST(S3Location, ParsesBucketAndKeyVerbatim) {
  S3Location l = S3Location::parse("s3://backups/db/2024 01//dump+1.sql.gz", "S3_DESTINATION");
  EXPECT_EQ(l.bucket, "backups");
  EXPECT_EQ(l.key, "db/2024 01//dump+1.sql.gz");
  EXPECT_EQ(l.uri(), "s3://backups/db/2024 01//dump+1.sql.gz");
  EXPECT_EQ(S3Location::parse("s3://backups", "X").key, "");
  EXPECT_EQ(S3Location::parse("s3://backups/", "X").key, "");
}

TEST(S3Location, RejectsWhatIsNotAnS3Uri) {
  for (const char* bad : {"backups/db.gz", "https://backups/db.gz", "s3:///db.gz", "s3://a/b", "s3://bad bucket/k"}) {
    try {
      S3Location::parse(bad, "S3_DESTINATION");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("S3_DESTINATION"), std::string::npos) << e.what();
    }
  }
}

TEST(S3Endpoint, PathStyleOnACustomEndpoint) {
  AwsSettings s;
  s.endpoint_url = "http://127.0.0.1:4570/";
  s.path_style = true;
  S3Endpoint e(s);
  EXPECT_EQ(e.url("us-east-1", "backups", "a b/c+d=e&f~g//h"),
            "http://127.0.0.1:4570/backups/a%20b/c%2Bd%3De%26f~g//h");
  EXPECT_EQ(e.url("us-east-1", "backups", "", "list-type=2"), "http://127.0.0.1:4570/backups?list-type=2");
  EXPECT_EQ(e.url("eu-west-1", "backups", "k", "uploads"), "http://127.0.0.1:4570/backups/k?uploads");
}

TEST(S3Endpoint, VirtualHostedOnAwsNamesTheRegion) {
  AwsSettings s;
  s.region = "eu-west-1";
  S3Endpoint e(s);
  EXPECT_TRUE(e.is_aws());
  EXPECT_EQ(e.url("eu-west-1", "backups", "db.gz"), "https://backups.s3.eu-west-1.amazonaws.com/db.gz");
  EXPECT_EQ(e.url("us-west-2", "backups", "", "list-type=2"), "https://backups.s3.us-west-2.amazonaws.com/?list-type=2");
  // A dotted bucket would not match the *.s3.REGION.amazonaws.com
  // certificate: path-style instead, as the AWS CLI does.
  EXPECT_EQ(e.url("eu-west-1", "my.backups", "db.gz"), "https://s3.eu-west-1.amazonaws.com/my.backups/db.gz");
}

TEST(S3Endpoint, VirtualHostedOnACustomEndpoint) {
  AwsSettings s;
  s.endpoint_url = "https://storage.example.com";
  s.path_style = false;
  EXPECT_EQ(S3Endpoint(s).url("auto", "backups", "x/y.gz"), "https://backups.storage.example.com/x/y.gz");
}

TEST(S3Endpoint, QueryParamsAreEncoded) {
  EXPECT_EQ(query_param("prefix", "a b/c+"), "prefix=a%20b%2Fc%2B");
  EXPECT_EQ(query_param("uploadId", "x~y_z.-"), "uploadId=x~y_z.-");
}

}  // namespace
}  // namespace pgdump2s3::s3

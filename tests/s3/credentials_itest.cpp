// Every credential source against fakes of the real endpoints, started by
// each test on loopback (fakes/fake_aws_credentials.py: STS
// AssumeRoleWithWebIdentity, a container credentials endpoint, EC2 IMDSv2),
// reached through the same variables a deployment sets. The fake records
// every request, so the tests check what was sent, how often, and that
// nothing was sent where nothing should be. No packet leaves loopback: the
// instance metadata endpoint is always the fake or disabled.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <thread>

#include "http/client.h"
#include "s3/aws_settings.h"
#include "s3/credential_chain.h"
#include "support/process.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

using namespace std::chrono_literals;
using testing::BackgroundProcess;
using testing::TempDir;
using testing::write_file;

// "a=1&b=2" -> {a: 1, b: 2}
std::map<std::string, std::string> form_fields(const std::string& body) {
  std::map<std::string, std::string> fields;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = std::min(body.find('&', start), body.size());
    std::string pair = body.substr(start, end - start);
    std::size_t eq = pair.find('=');
    fields[http::uri_decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : http::uri_decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return fields;
}

class CredentialSources : public ::testing::Test {
 protected:
  CredentialSources()
      : fake_({"python3", PGDUMP2S3_SOURCE_DIR "/tests/s3/fakes/fake_aws_credentials.py"}),
        base_("http://127.0.0.1:" + fake_.read_line()) {
    vars_["HOME"] = home_.path();
    vars_["AWS_CONFIG_FILE"] = home_.file("config");
    vars_["AWS_SHARED_CREDENTIALS_FILE"] = home_.file("credentials");
    // Should the chain ever reach instance metadata, it reaches the fake.
    vars_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = base_;
  }

  std::unique_ptr<CredentialsProvider> provider(const CredentialChainOptions& options = {}) {
    Environment env(vars_);
    return make_credentials_provider(env, resolve_aws_settings(env), options);
  }

  // Every request the fake has seen (control requests excepted).
  nlohmann::json requests() {
    http::Client client;
    http::Request request;
    request.url = base_ + "/_fake/requests";
    return nlohmann::json::parse(client.perform(request).body);
  }

  void configure(const nlohmann::json& settings) {
    http::Client client;
    http::Request request;
    request.method = "POST";
    request.url = base_ + "/_fake/config";
    std::string body = settings.dump();
    request.body = {body};
    ASSERT_EQ(client.perform(request).status, 200);
  }

  // Web identity through the fake STS, the way Fly.io sets it up.
  void use_web_identity(const std::string& token) {
    write_file(home_.file("oidc_token"), token);
    vars_["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/backups";
    vars_["AWS_WEB_IDENTITY_TOKEN_FILE"] = home_.file("oidc_token");
    vars_["AWS_ROLE_SESSION_NAME"] = "fly-machine-1";
    vars_["AWS_ENDPOINT_URL_STS"] = base_;
  }

  TempDir home_;
  BackgroundProcess fake_;
  const std::string base_;
  std::map<std::string, std::string, std::less<>> vars_;
};

TEST_F(CredentialSources, EnvironmentKeysWinAndNothingIsAsked) {
  vars_["AWS_ACCESS_KEY_ID"] = "AKIAENVONLY";
  vars_["AWS_SECRET_ACCESS_KEY"] = "env-only-secret";
  use_web_identity("unused-token");
  auto p = provider();
  EXPECT_EQ(p->get().access_key_id, "AKIAENVONLY");
  EXPECT_EQ(p->source(), "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)");
  EXPECT_TRUE(requests().empty()) << requests().dump();
}

TEST_F(CredentialSources, ProfileKeysWinOverContainerAndInstanceMetadata) {
  write_file(home_.file("credentials"),
             "[default]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret-value\n");
  vars_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = base_ + "/container/full";
  auto p = provider();
  Credentials creds = p->get();
  EXPECT_EQ(creds.access_key_id, "AKIAPROFILE");
  EXPECT_EQ(creds.secret_access_key, "profile-secret-value");
  EXPECT_EQ(p->source(), "profile default in " + home_.file("credentials"));
  EXPECT_TRUE(requests().empty()) << requests().dump();
}

TEST_F(CredentialSources, WebIdentityFromTheEnvironmentCallsStsOnce) {
  use_web_identity("eyJhbGciOiJSUzI1NiJ9.fly-token-1.signature\n");
  auto p = provider();
  EXPECT_TRUE(requests().empty()) << "STS is called on first use, not when the chain is built";

  Credentials creds = p->get();
  EXPECT_EQ(creds.access_key_id.rfind("ASIAFAKE", 0), 0u) << creds.access_key_id;
  EXPECT_FALSE(creds.session_token.empty());
  ASSERT_TRUE(creds.expiration);
  EXPECT_GT(*creds.expiration, std::chrono::system_clock::now() + 30min);

  nlohmann::json seen = requests();
  ASSERT_EQ(seen.size(), 1u) << seen.dump();
  EXPECT_EQ(seen[0]["method"], "POST");
  EXPECT_EQ(seen[0]["path"], "/");
  EXPECT_EQ(seen[0]["query"], "");  // the token never goes into a URL
  EXPECT_FALSE(seen[0]["headers"].contains("authorization")) << "AssumeRoleWithWebIdentity is unsigned";
  EXPECT_EQ(seen[0]["headers"]["content-type"], "application/x-www-form-urlencoded; charset=utf-8");
  auto form = form_fields(seen[0]["body"].get<std::string>());
  EXPECT_EQ(form["Action"], "AssumeRoleWithWebIdentity");
  EXPECT_EQ(form["Version"], "2011-06-15");
  EXPECT_EQ(form["RoleArn"], "arn:aws:iam::123456789012:role/backups");
  EXPECT_EQ(form["RoleSessionName"], "fly-machine-1");
  EXPECT_EQ(form["WebIdentityToken"], "eyJhbGciOiJSUzI1NiJ9.fly-token-1.signature");

  EXPECT_EQ(p->get().access_key_id, creds.access_key_id);
  EXPECT_EQ(requests().size(), 1u) << "fresh credentials are served from the cache";

  std::string source = p->source();
  EXPECT_EQ(source, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE: role arn:aws:iam::123456789012:role/backups, token file " +
                        home_.file("oidc_token") + ", STS " + base_ + ")");
  EXPECT_EQ(log::redact(creds.secret_access_key + " " + creds.session_token + " fly-token-1.signature"),
            "*** *** fly-token-1.signature");
  EXPECT_EQ(log::redact("eyJhbGciOiJSUzI1NiJ9.fly-token-1.signature"), "***");
}

TEST_F(CredentialSources, WebIdentityFromAProfileWithAServicesSection) {
  write_file(home_.file("oidc_token"), "profile-token");
  write_file(home_.file("config"),
             "[profile fly]\n"
             "role_arn = arn:aws:iam::123456789012:role/from-profile\n"
             "web_identity_token_file = ~/oidc_token\n"
             "services = local-sts\n"
             "[services local-sts]\n"
             "sts =\n"
             "  endpoint_url = " + base_ + "\n");
  vars_["AWS_PROFILE"] = "fly";
  Credentials creds = provider()->get();
  EXPECT_FALSE(creds.secret_access_key.empty());
  nlohmann::json seen = requests();
  ASSERT_EQ(seen.size(), 1u) << seen.dump();
  auto form = form_fields(seen[0]["body"].get<std::string>());
  EXPECT_EQ(form["RoleArn"], "arn:aws:iam::123456789012:role/from-profile");
  EXPECT_EQ(form["WebIdentityToken"], "profile-token");
  EXPECT_EQ(form["RoleSessionName"].rfind("pgdump2s3-", 0), 0u) << form["RoleSessionName"];
}

TEST_F(CredentialSources, WebIdentityRefreshRereadsTheTokenFile) {
  use_web_identity("token-before-rotation");
  configure({{"sts_lifetime_s", 30}});  // inside the mandatory refresh window
  auto p = provider();
  Credentials first = p->get();
  // Fly's init rewrites the token file every 9 minutes.
  write_file(home_.file("oidc_token"), "token-after-rotation");
  Credentials second = p->get();

  nlohmann::json seen = requests();
  ASSERT_EQ(seen.size(), 2u) << seen.dump();
  EXPECT_EQ(form_fields(seen[0]["body"].get<std::string>())["WebIdentityToken"], "token-before-rotation");
  EXPECT_EQ(form_fields(seen[1]["body"].get<std::string>())["WebIdentityToken"], "token-after-rotation");
  EXPECT_NE(first.access_key_id, second.access_key_id);
  EXPECT_NE(first.secret_access_key, second.secret_access_key);
  EXPECT_EQ(log::redact(second.secret_access_key), "***");
}

TEST_F(CredentialSources, WebIdentityKeepsValidCredentialsWhenAnEarlyRefreshFails) {
  use_web_identity("token-1");
  configure({{"sts_lifetime_s", 180}});  // inside the advisory window only
  auto p = provider();
  Credentials first = p->get();
  configure({{"sts_fail_count", 100}});
  Credentials second = p->get();
  EXPECT_EQ(second.access_key_id, first.access_key_id);
  EXPECT_EQ(requests().size(), 4u) << "one call, then one refresh of 3 attempts (500 is retried)";
}

TEST_F(CredentialSources, WebIdentityRefusalIsOneLineWithoutTheToken) {
  use_web_identity("refused-token-value");
  configure({{"sts_error_code", "InvalidIdentityToken"}});
  auto p = provider();
  try {
    p->get();
    ADD_FAILURE() << "expected a RuntimeError";
  } catch (const RuntimeError& e) {
    std::string message = e.what();
    EXPECT_EQ(message.find("STS AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role/backups at " + base_ +
                           " failed after 1 attempt: HTTP 400 InvalidIdentityToken: fake refusal"),
              0u)
        << message;
    EXPECT_NE(message.find("trust policy"), std::string::npos);
    EXPECT_EQ(message.find("refused-token-value"), std::string::npos);
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
  EXPECT_EQ(requests().size(), 1u) << "a refusal is not retried";
}

TEST_F(CredentialSources, WebIdentityWaitsForATokenFileThatIsNotThereYet) {
  use_web_identity("unused");
  std::filesystem::remove(home_.file("oidc_token"));
  CredentialChainOptions no_wait;
  no_wait.token_file_wait = 0ms;
  try {
    provider(no_wait)->get();
    ADD_FAILURE() << "expected a RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(home_.file("oidc_token") + " (it does not exist"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(requests().empty());

  // On Fly.io the token appears a little after boot.
  CredentialChainOptions patient;
  patient.token_file_wait = 60s;
  auto p = provider(patient);
  std::thread init([&] {
    std::this_thread::sleep_for(300ms);
    write_file(home_.file("oidc_token"), "late-token");
  });
  Credentials creds = p->get();
  init.join();
  EXPECT_FALSE(creds.access_key_id.empty());
  nlohmann::json seen = requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(form_fields(seen[0]["body"].get<std::string>())["WebIdentityToken"], "late-token");
}

TEST_F(CredentialSources, ContainerFullUriWithAuthorizationToken) {
  configure({{"container_token", "Bearer container-auth-secret"}});
  vars_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = base_ + "/container/v1/credentials";
  vars_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Bearer container-auth-secret";
  auto p = provider();
  EXPECT_TRUE(requests().empty());
  Credentials creds = p->get();
  EXPECT_EQ(creds.access_key_id.rfind("ASIAFAKE", 0), 0u);
  ASSERT_TRUE(creds.expiration);
  nlohmann::json seen = requests();
  ASSERT_EQ(seen.size(), 1u) << seen.dump();
  EXPECT_EQ(seen[0]["method"], "GET");
  EXPECT_EQ(seen[0]["path"], "/container/v1/credentials");
  EXPECT_EQ(seen[0]["headers"]["authorization"], "Bearer container-auth-secret");
  EXPECT_EQ(p->source(), "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI: " + base_ +
                             "/container/v1/credentials)");
  EXPECT_EQ(log::redact("Bearer container-auth-secret " + creds.session_token), "*** ***");
}

TEST_F(CredentialSources, ContainerTokenFileIsReadAtEveryFetchAndWinsOverTheVariable) {
  configure({{"container_token", "file-token-1"}, {"container_lifetime_s", 30}});
  write_file(home_.file("eks_token"), "file-token-1\n");
  vars_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = base_ + "/container/eks";
  vars_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "variable-token";
  vars_["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = home_.file("eks_token");
  auto p = provider();
  p->get();
  configure({{"container_token", "file-token-2"}});
  write_file(home_.file("eks_token"), "file-token-2");
  p->get();
  nlohmann::json seen = requests();
  ASSERT_EQ(seen.size(), 2u) << seen.dump();
  EXPECT_EQ(seen[0]["headers"]["authorization"], "file-token-1");
  EXPECT_EQ(seen[1]["headers"]["authorization"], "file-token-2");
}

TEST_F(CredentialSources, ContainerRelativeUri) {
  vars_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/container/v2/credentials/task-1";
  CredentialChainOptions options;
  options.container_relative_base = base_;  // the ECS agent's 169.254.170.2, here on loopback
  auto p = provider(options);
  Credentials creds = p->get();
  EXPECT_FALSE(creds.secret_access_key.empty());
  nlohmann::json seen = requests();
  ASSERT_EQ(seen.size(), 1u) << seen.dump();
  EXPECT_EQ(seen[0]["path"], "/container/v2/credentials/task-1");
  EXPECT_FALSE(seen[0]["headers"].contains("authorization"));
  EXPECT_EQ(p->source(), "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: " + base_ +
                             "/container/v2/credentials/task-1)");
}

TEST_F(CredentialSources, ContainerRefusalIsAnErrorWithoutTheToken) {
  configure({{"container_token", "the-right-token"}});
  vars_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = base_ + "/container/full";
  vars_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "a-wrong-token-value";
  auto p = provider();
  try {
    p->get();
    ADD_FAILURE() << "expected a RuntimeError";
  } catch (const RuntimeError& e) {
    std::string message = e.what();
    EXPECT_EQ(message.find("container credentials endpoint " + base_ + "/container/full failed after 1 attempt: HTTP 401"),
              0u)
        << message;
    EXPECT_EQ(message.find("a-wrong-token-value"), std::string::npos);
  }
  EXPECT_EQ(requests().size(), 1u);
}

TEST_F(CredentialSources, InstanceMetadataV2) {
  auto p = provider();  // the chain asks instance metadata at once
  nlohmann::json seen = requests();
  ASSERT_EQ(seen.size(), 3u) << seen.dump();
  EXPECT_EQ(seen[0]["method"], "PUT");
  EXPECT_EQ(seen[0]["path"], "/latest/api/token");
  EXPECT_EQ(seen[0]["headers"]["x-aws-ec2-metadata-token-ttl-seconds"], "21600");
  std::string session = seen[1]["headers"]["x-aws-ec2-metadata-token"].get<std::string>();
  EXPECT_EQ(session.rfind("fake-imds-token-", 0), 0u);
  EXPECT_EQ(seen[1]["method"], "GET");
  EXPECT_EQ(seen[1]["path"], "/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(seen[2]["path"], "/latest/meta-data/iam/security-credentials/fake-instance-role");
  EXPECT_EQ(seen[2]["headers"]["x-aws-ec2-metadata-token"], session);

  Credentials creds = p->get();
  EXPECT_EQ(creds.access_key_id.rfind("ASIAFAKE", 0), 0u);
  EXPECT_EQ(requests().size(), 3u) << "the probe's credentials are kept";
  EXPECT_EQ(p->source(), "EC2 instance metadata (role fake-instance-role at " + base_ + ")");
  EXPECT_EQ(log::redact(session + " " + creds.secret_access_key), "*** ***");
}

TEST_F(CredentialSources, InstanceMetadataWithoutARoleEndsInTheOneLineError) {
  configure({{"imds_role", ""}});
  std::string message;
  try {
    provider();
    ADD_FAILURE() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    message = e.what();
  }
  EXPECT_EQ(message.find("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"), 0u) << message;
  EXPECT_NE(message.find("IAM role lookup at " + base_ + " failed after 1 attempt: HTTP 404"), std::string::npos)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(requests().size(), 2u);
}

TEST_F(CredentialSources, InstanceMetadataDisabledSendsNothing) {
  for (const char* value : {"true", "TRUE"}) {
    vars_["AWS_EC2_METADATA_DISABLED"] = value;
    EXPECT_THROW(provider(), ConfigError);
  }
  EXPECT_TRUE(requests().empty()) << requests().dump();
}

}  // namespace
}  // namespace pgdump2s3::s3

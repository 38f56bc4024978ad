// AWS configuration the way the AWS CLI reads it, with made-up environments
// and profile files in temp directories: the INI dialect of ~/.aws/config,
// resolve_aws_settings (region, endpoints, addressing, CA bundle, profile
// selection), the credential chain's choice of source, the wire formats of
// temporary credentials and the refresh policy. Nothing here touches the
// network: instance metadata is disabled and no provider is asked for keys
// unless it is an in-memory one.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

#include "s3/aws_settings.h"
#include "s3/credential_chain.h"
#include "s3/credentials.h"
#include "s3/ini_file.h"
#include "s3/refreshing_credentials_provider.h"
#include "s3/sts_client.h"
#include "support/process.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::s3 {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;
using testing::write_file;

// An environment whose HOME is `home`, so that ~/.aws is an empty temp dir,
// with instance metadata off so that nothing leaves the machine.
Environment env_in(const TempDir& home, std::map<std::string, std::string, std::less<>> vars = {}) {
  vars.emplace("HOME", home.path());
  vars.emplace("AWS_EC2_METADATA_DISABLED", "true");
  return Environment(std::move(vars));
}

// The message of the ConfigError that `f` throws ("" when it throws none).
template <typename F>
std::string config_error(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return "";
}

// ---- INI files -------------------------------------------------------------

TEST(IniFile, ReadsSectionsKeysAndComments) {
  IniFile ini = parse_ini(
      "# a comment\n"
      "[default]\n"
      "Region = eu-west-1\n"
      "; another comment\n"
      "output: json\n"
      "endpoint_url=http://127.0.0.1:9000 # not a comment for configparser\n"
      "\n"
      "[profile prod]  \n"
      "region=us-west-2\r\n",
      "config");
  ASSERT_EQ(ini.size(), 2u);
  EXPECT_EQ(*ini.at("default").value("region"), "eu-west-1");  // keys are case-folded
  EXPECT_EQ(*ini.at("default").value("output"), "json");
  EXPECT_EQ(*ini.at("default").value("endpoint_url"), "http://127.0.0.1:9000 # not a comment for configparser");
  EXPECT_EQ(*ini.at("profile prod").value("region"), "us-west-2");
  EXPECT_EQ(ini.at("default").value("absent"), nullptr);
  // As in configparser, an indented line continues the value above it, even
  // after a blank line and even when it looks like a section header.
  ini = parse_ini("[default]\nnote = a\n\n  [profile x]\n", "config");
  EXPECT_EQ(*ini.at("default").value("note"), "a\n\n[profile x]");
  EXPECT_EQ(ini.size(), 1u);
}

TEST(IniFile, ReadsNestedSettingsAndMultiLineValues) {
  IniFile ini = parse_ini(
      "[default]\n"
      "s3 =\n"
      "  addressing_style = virtual\n"
      "\n"
      "  endpoint_url = http://localhost:9000\n"
      "region = eu-central-1\n"
      "note = first\n"
      "  second\n",
      "config");
  const IniSection& section = ini.at("default");
  EXPECT_EQ(*section.nested_value("s3", "addressing_style"), "virtual");
  EXPECT_EQ(*section.nested_value("s3", "endpoint_url"), "http://localhost:9000");
  EXPECT_EQ(section.value("s3"), nullptr);
  EXPECT_EQ(*section.value("region"), "eu-central-1");
  EXPECT_EQ(*section.value("note"), "first\nsecond");
}

TEST(IniFile, RefusesWhatTheAwsCliRefuses) {
  EXPECT_NE(config_error([] { parse_ini("region = x\n[default]\n", "/f/config"); }).find("/f/config line 1"),
            std::string::npos);
  EXPECT_NE(config_error([] { parse_ini("[default]\nregion\n", "/f/config"); }).find("line 2"), std::string::npos);
  EXPECT_NE(config_error([] { parse_ini("[a]\n[a]\n", "c"); }).find("twice"), std::string::npos);
  EXPECT_NE(config_error([] { parse_ini("[a]\nx=1\nX=2\n", "c"); }).find("twice"), std::string::npos);
  EXPECT_NE(config_error([] { parse_ini("[a]\ns3 =\n  no_equals_here\n", "c"); }).find("line 2"), std::string::npos);
}

// ---- resolve_aws_settings ----------------------------------------------------

TEST(AwsSettings, DefaultsWithoutAnyConfiguration) {
  TempDir home;
  AwsSettings s = resolve_aws_settings(env_in(home));
  EXPECT_EQ(s.region, "us-east-1");
  EXPECT_EQ(s.region_source, "default");
  EXPECT_EQ(s.endpoint_url, "");
  EXPECT_FALSE(s.path_style);
  EXPECT_EQ(s.ca_bundle, "");
  EXPECT_EQ(s.sts_endpoint_url, "https://sts.us-east-1.amazonaws.com");
  EXPECT_EQ(s.profile, "default");
}

TEST(AwsSettings, RegionPrecedence) {
  TempDir home;
  write_file(home.file("config"), "[default]\nregion = eu-west-3\n");
  std::map<std::string, std::string, std::less<>> vars = {{"AWS_CONFIG_FILE", home.file("config")},
                                                          {"AWS_REGION", "ap-south-1"},
                                                          {"AWS_DEFAULT_REGION", "ca-central-1"}};
  AwsSettings s = resolve_aws_settings(env_in(home, vars));
  EXPECT_EQ(s.region, "ap-south-1");
  EXPECT_EQ(s.region_source, "AWS_REGION");
  vars.erase("AWS_REGION");
  s = resolve_aws_settings(env_in(home, vars));
  EXPECT_EQ(s.region, "ca-central-1");
  EXPECT_EQ(s.region_source, "AWS_DEFAULT_REGION");
  vars.erase("AWS_DEFAULT_REGION");
  s = resolve_aws_settings(env_in(home, vars));
  EXPECT_EQ(s.region, "eu-west-3");
  EXPECT_EQ(s.region_source, "profile default in " + home.file("config"));
  EXPECT_EQ(s.sts_endpoint_url, "https://sts.eu-west-3.amazonaws.com");
}

TEST(AwsSettings, DefaultConfigFileIsReadFromHome) {
  TempDir home;
  std::filesystem::create_directories(home.file(".aws"));
  write_file(home.file(".aws/config"), "[default]\nregion = sa-east-1\n");
  EXPECT_EQ(resolve_aws_settings(env_in(home)).region, "sa-east-1");
}

TEST(AwsSettings, RegionMustBeAName) {
  TempDir home;
  std::string error = config_error([&] { resolve_aws_settings(env_in(home, {{"AWS_REGION", "eu west/1"}})); });
  EXPECT_NE(error.find("AWS_REGION=eu west/1"), std::string::npos) << error;
}

TEST(AwsSettings, ChinaRegionsUseTheirStsDomain) {
  TempDir home;
  EXPECT_EQ(resolve_aws_settings(env_in(home, {{"AWS_REGION", "cn-north-1"}})).sts_endpoint_url,
            "https://sts.cn-north-1.amazonaws.com.cn");
}

TEST(AwsSettings, EndpointPrecedence) {
  TempDir home;
  write_file(home.file("config"),
             "[default]\n"
             "endpoint_url = http://profile-global:1\n"
             "services = local\n"
             "s3 =\n"
             "  endpoint_url = http://profile-s3:2\n"
             "[services local]\n"
             "s3 =\n"
             "  endpoint_url = http://services-s3:3/\n"
             "sts =\n"
             "  endpoint_url = http://services-sts:4\n");
  std::map<std::string, std::string, std::less<>> vars = {{"AWS_CONFIG_FILE", home.file("config")},
                                                          {"AWS_ENDPOINT_URL_S3", "http://env-s3:5"},
                                                          {"AWS_ENDPOINT_URL_STS", "http://env-sts:6"},
                                                          {"AWS_ENDPOINT_URL", "http://env-global:7"}};
  AwsSettings s = resolve_aws_settings(env_in(home, vars));
  EXPECT_EQ(s.endpoint_url, "http://env-s3:5");
  EXPECT_EQ(s.endpoint_source, "AWS_ENDPOINT_URL_S3");
  EXPECT_EQ(s.sts_endpoint_url, "http://env-sts:6");
  EXPECT_EQ(s.sts_endpoint_source, "AWS_ENDPOINT_URL_STS");

  vars.erase("AWS_ENDPOINT_URL_S3");
  vars.erase("AWS_ENDPOINT_URL_STS");
  s = resolve_aws_settings(env_in(home, vars));
  EXPECT_EQ(s.endpoint_url, "http://env-global:7");
  EXPECT_EQ(s.endpoint_source, "AWS_ENDPOINT_URL");
  EXPECT_EQ(s.sts_endpoint_url, "http://env-global:7");  // the global endpoint serves STS too

  vars.erase("AWS_ENDPOINT_URL");
  s = resolve_aws_settings(env_in(home, vars));
  EXPECT_EQ(s.endpoint_url, "http://services-s3:3");  // trailing slash dropped
  EXPECT_EQ(s.endpoint_source, "[services local] in " + home.file("config"));
  EXPECT_EQ(s.sts_endpoint_url, "http://services-sts:4");

  write_file(home.file("config"),
             "[default]\nendpoint_url = http://profile-global:1\ns3 =\n  endpoint_url = http://profile-s3:2\n");
  s = resolve_aws_settings(env_in(home, vars));
  EXPECT_EQ(s.endpoint_url, "http://profile-s3:2");
  EXPECT_EQ(s.sts_endpoint_url, "http://profile-global:1");

  write_file(home.file("config"), "[default]\nendpoint_url = http://profile-global:1\n");
  s = resolve_aws_settings(env_in(home, vars));
  EXPECT_EQ(s.endpoint_url, "http://profile-global:1");
  EXPECT_EQ(s.endpoint_source, "profile default in " + home.file("config"));
}

TEST(AwsSettings, IgnoreConfiguredEndpointUrls) {
  TempDir home;
  write_file(home.file("config"), "[default]\nendpoint_url = http://profile-global:1\n");
  AwsSettings s = resolve_aws_settings(env_in(home, {{"AWS_CONFIG_FILE", home.file("config")},
                                                     {"AWS_ENDPOINT_URL_S3", "http://env-s3:5"},
                                                     {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"}}));
  EXPECT_EQ(s.endpoint_url, "");
  EXPECT_FALSE(s.path_style);
  EXPECT_EQ(s.sts_endpoint_url, "https://sts.us-east-1.amazonaws.com");
}

TEST(AwsSettings, BadEndpointIsOneLineNamingTheVariable) {
  TempDir home;
  for (const char* bad : {"localhost:9000", "ftp://host", "http://", "http:///path"}) {
    std::string error = config_error([&] { resolve_aws_settings(env_in(home, {{"AWS_ENDPOINT_URL", bad}})); });
    EXPECT_EQ(error.find("AWS_ENDPOINT_URL=" + std::string(bad)), 0u) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
  }
}

TEST(AwsSettings, AddressingStyle) {
  TempDir home;
  // Custom endpoints: path-style; AWS: virtual-hosted.
  EXPECT_TRUE(resolve_aws_settings(env_in(home, {{"AWS_ENDPOINT_URL", "http://127.0.0.1:9000"}})).path_style);
  EXPECT_FALSE(resolve_aws_settings(env_in(home)).path_style);
  // Told otherwise.
  AwsSettings s = resolve_aws_settings(
      env_in(home, {{"AWS_ENDPOINT_URL", "https://acct.r2.example"}, {"AWS_S3_ADDRESSING_STYLE", "virtual"}}));
  EXPECT_FALSE(s.path_style);
  EXPECT_EQ(s.addressing_source, "AWS_S3_ADDRESSING_STYLE");
  EXPECT_TRUE(resolve_aws_settings(env_in(home, {{"AWS_S3_ADDRESSING_STYLE", "path"}})).path_style);

  write_file(home.file("config"), "[default]\ns3 =\n  addressing_style = virtual\n");
  s = resolve_aws_settings(
      env_in(home, {{"AWS_CONFIG_FILE", home.file("config")}, {"AWS_ENDPOINT_URL", "http://127.0.0.1:9000"}}));
  EXPECT_FALSE(s.path_style);
  EXPECT_EQ(s.addressing_source, "profile default in " + home.file("config"));

  std::string error = config_error([&] { resolve_aws_settings(env_in(home, {{"AWS_S3_ADDRESSING_STYLE", "dns"}})); });
  EXPECT_NE(error.find("AWS_S3_ADDRESSING_STYLE=dns"), std::string::npos) << error;
}

TEST(AwsSettings, CaBundle) {
  TempDir home;
  write_file(home.file("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
  AwsSettings s = resolve_aws_settings(env_in(home, {{"AWS_CA_BUNDLE", home.file("ca.pem")}}));
  EXPECT_EQ(s.ca_bundle, home.file("ca.pem"));
  EXPECT_EQ(s.ca_bundle_source, "AWS_CA_BUNDLE");

  write_file(home.file("config"), "[default]\nca_bundle = ~/ca.pem\n");
  s = resolve_aws_settings(env_in(home, {{"AWS_CONFIG_FILE", home.file("config")}}));
  EXPECT_EQ(s.ca_bundle, home.file("ca.pem"));

  std::string error =
      config_error([&] { resolve_aws_settings(env_in(home, {{"AWS_CA_BUNDLE", home.file("missing.pem")}})); });
  EXPECT_NE(error.find("AWS_CA_BUNDLE=" + home.file("missing.pem") + ": no such file"), std::string::npos) << error;
}

TEST(AwsSettings, ProfileSelection) {
  TempDir home;
  write_file(home.file("config"),
             "[default]\nregion = eu-west-1\n"
             "[profile prod]\nregion = us-west-2\nendpoint_url = https://prod.example\n"
             "[profile 'quoted name']\nregion = ap-east-1\n");
  write_file(home.file("credentials"), "[only-keys]\nregion = eu-north-1\n");
  std::map<std::string, std::string, std::less<>> vars = {{"AWS_CONFIG_FILE", home.file("config")},
                                                          {"AWS_SHARED_CREDENTIALS_FILE", home.file("credentials")}};
  EXPECT_EQ(resolve_aws_settings(env_in(home, vars)).region, "eu-west-1");
  vars["AWS_PROFILE"] = "prod";
  AwsSettings s = resolve_aws_settings(env_in(home, vars));
  EXPECT_EQ(s.profile, "prod");
  EXPECT_EQ(s.region, "us-west-2");
  EXPECT_EQ(s.endpoint_url, "https://prod.example");
  vars["AWS_PROFILE"] = "quoted name";
  EXPECT_EQ(resolve_aws_settings(env_in(home, vars)).region, "ap-east-1");
  // A profile that only the credentials file defines still exists.
  vars["AWS_PROFILE"] = "only-keys";
  s = resolve_aws_settings(env_in(home, vars));
  EXPECT_EQ(s.region, "eu-north-1");
  EXPECT_EQ(s.region_source, "profile only-keys in " + home.file("credentials"));

  vars["AWS_PROFILE"] = "staging";
  std::string error = config_error([&] { resolve_aws_settings(env_in(home, vars)); });
  EXPECT_EQ(error.find("AWS_PROFILE=staging: no [profile staging] in " + home.file("config")), 0u) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(AwsSettings, UnparsableProfileFileNamesFileAndLine) {
  TempDir home;
  write_file(home.file("config"), "[default]\nregion = eu-west-1\nthis is not ini\n");
  std::string error = config_error([&] { resolve_aws_settings(env_in(home, {{"AWS_CONFIG_FILE", home.file("config")}})); });
  EXPECT_NE(error.find(home.file("config") + " line 3"), std::string::npos) << error;
}

TEST(AwsSettings, NonRegularProfileFilesCountAsAbsent) {
  TempDir home;
  AwsSettings s = resolve_aws_settings(
      env_in(home, {{"AWS_CONFIG_FILE", "/dev/null"}, {"AWS_SHARED_CREDENTIALS_FILE", home.path()}}));
  EXPECT_EQ(s.region, "us-east-1");
}

// ---- the credential chain's choice -----------------------------------------

struct ChainCase {
  TempDir home;
  std::map<std::string, std::string, std::less<>> vars;

  ChainCase() {
    vars["AWS_CONFIG_FILE"] = home.file("config");
    vars["AWS_SHARED_CREDENTIALS_FILE"] = home.file("credentials");
  }
  std::unique_ptr<CredentialsProvider> provider() const {
    Environment env = env_in(home, vars);
    return make_credentials_provider(env, resolve_aws_settings(env));
  }
  std::string error() const {
    return config_error([&] { provider(); });
  }
};

TEST(CredentialChain, EnvironmentKeysComeFirst) {
  ChainCase c;
  c.vars["AWS_ACCESS_KEY_ID"] = "AKIAENVIRONMENT";
  c.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret-key-value";
  c.vars["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r";
  c.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = c.home.file("token");
  write_file(c.home.file("credentials"), "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n");
  auto provider = c.provider();
  Credentials creds = provider->get();
  EXPECT_EQ(creds.access_key_id, "AKIAENVIRONMENT");
  EXPECT_EQ(creds.secret_access_key, "env-secret-key-value");
  EXPECT_EQ(creds.session_token, "");
  EXPECT_FALSE(creds.expiration);
  EXPECT_EQ(provider->source(), "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)");
  EXPECT_EQ(log::redact("key env-secret-key-value"), "key ***");

  c.vars["AWS_SESSION_TOKEN"] = "env-session-token-value";
  provider = c.provider();
  EXPECT_EQ(provider->get().session_token, "env-session-token-value");
  EXPECT_EQ(provider->source().find("env-session-token-value"), std::string::npos);
  EXPECT_NE(provider->source().find("AWS_SESSION_TOKEN"), std::string::npos);
  EXPECT_EQ(log::redact("env-session-token-value"), "***");
}

TEST(CredentialChain, HalfSetEnvironmentKeysAreAnError) {
  ChainCase c;
  c.vars["AWS_ACCESS_KEY_ID"] = "AKIAENVIRONMENT";
  EXPECT_EQ(c.error(), "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both");
  c.vars.erase("AWS_ACCESS_KEY_ID");
  c.vars["AWS_SECRET_ACCESS_KEY"] = "half-set-secret";
  std::string error = c.error();
  EXPECT_EQ(error, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both");
}

TEST(CredentialChain, ProfileKeysFromTheCredentialsFileThenTheConfigFile) {
  ChainCase c;
  write_file(c.home.file("config"),
             "[profile prod]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = config-secret-value\n");
  write_file(c.home.file("credentials"),
             "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = default-secret-value\n"
             "[prod]\naws_access_key_id = AKIAPROD\naws_secret_access_key = prod-secret-value\n"
             "aws_session_token = prod-session-token\n");
  auto provider = c.provider();
  EXPECT_EQ(provider->get().access_key_id, "AKIADEFAULT");
  EXPECT_EQ(provider->source(), "profile default in " + c.home.file("credentials"));

  c.vars["AWS_PROFILE"] = "prod";
  provider = c.provider();
  Credentials creds = provider->get();
  EXPECT_EQ(creds.access_key_id, "AKIAPROD");
  EXPECT_EQ(creds.secret_access_key, "prod-secret-value");
  EXPECT_EQ(creds.session_token, "prod-session-token");
  EXPECT_EQ(provider->source(), "profile prod in " + c.home.file("credentials"));

  write_file(c.home.file("credentials"), "");
  provider = c.provider();
  EXPECT_EQ(provider->get().access_key_id, "AKIACONFIG");
  EXPECT_EQ(provider->source(), "profile prod in " + c.home.file("config"));
  EXPECT_EQ(log::redact("config-secret-value"), "***");
}

TEST(CredentialChain, HalfSetProfileKeysAreAnError) {
  ChainCase c;
  write_file(c.home.file("credentials"), "[default]\naws_access_key_id = AKIAONLY\n");
  EXPECT_EQ(c.error(), "profile default in " + c.home.file("credentials") +
                           " has aws_access_key_id but no aws_secret_access_key");
}

TEST(CredentialChain, WebIdentityFromTheEnvironmentBeatsProfileKeys) {
  // botocore: assume-role-with-web-identity comes before the shared files.
  ChainCase c;
  write_file(c.home.file("credentials"), "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n");
  c.vars["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/backup";
  c.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = c.home.file("token");
  c.vars["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:9";
  auto provider = c.provider();  // chosen by configuration: STS is not called yet
  EXPECT_EQ(provider->source(), "web identity (AWS_WEB_IDENTITY_TOKEN_FILE: role arn:aws:iam::123456789012:role/backup, "
                                "token file " + c.home.file("token") + ", STS http://127.0.0.1:9)");
}

TEST(CredentialChain, WebIdentityFromAProfile) {
  ChainCase c;
  write_file(c.home.file("config"),
             "[profile fly]\nrole_arn = arn:aws:iam::123456789012:role/fly\nweb_identity_token_file = ~/oidc_token\n");
  c.vars["AWS_PROFILE"] = "fly";
  auto provider = c.provider();
  std::string source = provider->source();
  EXPECT_NE(source.find("profile fly in " + c.home.file("config")), std::string::npos) << source;
  EXPECT_NE(source.find("role arn:aws:iam::123456789012:role/fly"), std::string::npos) << source;
  EXPECT_NE(source.find("token file " + c.home.file("oidc_token")), std::string::npos) << source;
  EXPECT_NE(source.find("STS https://sts.us-east-1.amazonaws.com"), std::string::npos) << source;
  // The variable wins over the profile key.
  c.vars["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/from-env";
  EXPECT_NE(c.provider()->source().find("role/from-env"), std::string::npos);
}

TEST(CredentialChain, WebIdentityTokenWithoutRoleIsAnError) {
  ChainCase c;
  c.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/.fly/oidc_token";
  std::string error = c.error();
  EXPECT_EQ(error.find("AWS_WEB_IDENTITY_TOKEN_FILE names a web identity token file but no role is set: set AWS_ROLE_ARN"),
            0u)
      << error;
}

TEST(CredentialChain, UnsupportedProfileSourcesAreNamed) {
  ChainCase c;
  write_file(c.home.file("config"),
             "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n[profile base]\n");
  EXPECT_NE(c.error().find("source_profile/credential_source, which pgdump2s3 does not support"), std::string::npos);
  write_file(c.home.file("config"), "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\n");
  EXPECT_NE(c.error().find("has role_arn but neither web_identity_token_file"), std::string::npos);
  write_file(c.home.file("config"), "[default]\nsso_session = corp\n");
  EXPECT_NE(c.error().find("uses AWS IAM Identity Center (sso_session)"), std::string::npos);
  write_file(c.home.file("config"), "[default]\ncredential_process = /bin/echo\n");
  EXPECT_NE(c.error().find("uses credential_process"), std::string::npos);
  // Keys in the credentials file come before credential_process, as in botocore.
  write_file(c.home.file("credentials"), "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = s3cr3t-file\n");
  EXPECT_EQ(c.provider()->get().access_key_id, "AKIAFILE");
}

TEST(CredentialChain, ContainerCredentialsChosenByConfiguration) {
  ChainCase c;
  c.vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/task-1";
  c.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9/ignored";  // relative wins
  EXPECT_EQ(c.provider()->source(),
            "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: http://169.254.170.2/v2/credentials/task-1)");
  c.vars.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  c.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-auth-token-value";
  for (const char* allowed : {"http://127.0.0.1:9/creds", "http://localhost:9/creds", "http://[::1]:9/creds",
                              "http://169.254.170.23/v1/credentials", "https://creds.example/x"}) {
    c.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = allowed;
    std::string source = c.provider()->source();
    EXPECT_EQ(source, std::string("container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI: ") + allowed + ")");
    EXPECT_EQ(source.find("container-auth-token-value"), std::string::npos);
  }
  for (const char* refused : {"http://10.0.0.5/creds", "http://127.0.0.1.evil.example/creds", "file:///etc/passwd"}) {
    c.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = refused;
    std::string error = c.error();
    EXPECT_EQ(error.find(std::string("AWS_CONTAINER_CREDENTIALS_FULL_URI=") + refused + ": must be https"), 0u)
        << error;
    EXPECT_EQ(error.find("container-auth-token-value"), std::string::npos);
  }
}

TEST(CredentialChain, NothingConfiguredIsOneLineNamingTheVariables) {
  ChainCase c;
  std::string error = c.error();
  EXPECT_EQ(error,
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_ROLE_ARN and "
            "AWS_WEB_IDENTITY_TOKEN_FILE, or AWS_PROFILE with keys in " +
                c.home.file("credentials") + " (EC2 instance metadata is off (AWS_EC2_METADATA_DISABLED=true))");
}

TEST(CredentialChain, BadInstanceMetadataSettingsAreConfigErrors) {
  ChainCase c;
  c.vars["AWS_EC2_METADATA_DISABLED"] = "false";
  c.vars["AWS_METADATA_SERVICE_TIMEOUT"] = "soon";
  Environment env(c.vars);
  env.set("HOME", c.home.path());
  std::string error = config_error([&] { make_credentials_provider(env, resolve_aws_settings(env)); });
  EXPECT_EQ(error, "AWS_METADATA_SERVICE_TIMEOUT=soon: expected a positive whole number");
  env.set("AWS_METADATA_SERVICE_TIMEOUT", "1");
  env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254");
  error = config_error([&] { make_credentials_provider(env, resolve_aws_settings(env)); });
  EXPECT_EQ(error.find("AWS_EC2_METADATA_SERVICE_ENDPOINT=169.254.169.254: not an endpoint URL"), 0u) << error;
}

// ---- wire formats ----------------------------------------------------------

TEST(CredentialFormats, AwsTimestamps) {
  using std::chrono::sys_days;
  const auto expected = sys_days{std::chrono::year(2024) / 6 / 19} + 12h + 30min + 15s;
  EXPECT_EQ(parse_aws_timestamp("2024-06-19T12:30:15Z"), expected);
  EXPECT_EQ(parse_aws_timestamp("2024-06-19T12:30:15.123Z"), expected);
  EXPECT_EQ(parse_aws_timestamp("2024-06-19T14:30:15+02:00"), expected);
  EXPECT_EQ(parse_aws_timestamp("2024-06-19T12:30:15"), expected);
  EXPECT_FALSE(parse_aws_timestamp("tomorrow"));
  EXPECT_FALSE(parse_aws_timestamp("2024-06-19T12:30:15 PST"));
  EXPECT_FALSE(parse_aws_timestamp(""));
}

TEST(CredentialFormats, StsAssumeRoleWithWebIdentityResponse) {
  // The shape of the example in the AWS STS API reference.
  Credentials creds = parse_assume_role_with_web_identity_response(
      "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
      "<AssumeRoleWithWebIdentityResult>"
      "<SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>"
      "<Audience>client.5498841531868486423.1548@apps.example.com</Audience>"
      "<Credentials><SessionToken>sts-session-token-from-xml</SessionToken>"
      "<SecretAccessKey>sts-secret-key-from-xml</SecretAccessKey>"
      "<Expiration>2014-10-24T23:00:23Z</Expiration><AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId></Credentials>"
      "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>");
  EXPECT_EQ(creds.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(creds.secret_access_key, "sts-secret-key-from-xml");
  EXPECT_EQ(creds.session_token, "sts-session-token-from-xml");
  EXPECT_EQ(creds.expiration, parse_aws_timestamp("2014-10-24T23:00:23Z"));
  EXPECT_EQ(log::redact("sts-secret-key-from-xml sts-session-token-from-xml"), "*** ***");

  try {
    parse_assume_role_with_web_identity_response(
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
        "<SecretAccessKey>partial-secret-value</SecretAccessKey></Credentials></AssumeRoleWithWebIdentityResult>"
        "</AssumeRoleWithWebIdentityResponse>");
    ADD_FAILURE() << "expected a RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()).find("partial-secret-value"), std::string::npos);
  }
  EXPECT_THROW(parse_assume_role_with_web_identity_response("not xml <"), RuntimeError);
}

TEST(CredentialFormats, MetadataCredentialsJson) {
  Credentials creds = parse_credentials_json(
      R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAJSON","SecretAccessKey":"json-secret-value",)"
      R"("Token":"json-token-value","Expiration":"2030-01-02T03:04:05Z"})",
      "test endpoint");
  EXPECT_EQ(creds.access_key_id, "ASIAJSON");
  EXPECT_EQ(creds.secret_access_key, "json-secret-value");
  EXPECT_EQ(creds.session_token, "json-token-value");
  EXPECT_EQ(creds.expiration, parse_aws_timestamp("2030-01-02T03:04:05Z"));

  try {
    parse_credentials_json(R"({"AccessKeyId":"ASIAJSON","SecretAccessKey":"other-secret-value"})", "test endpoint");
    ADD_FAILURE() << "expected a RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "test endpoint answered without Token");
  }
  EXPECT_THROW(parse_credentials_json("[]", "test endpoint"), RuntimeError);
}

// ---- the refresh policy ------------------------------------------------------

// Hands out credentials expiring `lifetime` from now, or fails on demand.
class ScriptedProvider final : public RefreshingCredentialsProvider {
 public:
  std::chrono::seconds lifetime{3600};
  std::atomic<bool> fail{false};
  std::atomic<int> fetches{0};
  std::string source() const override { return "scripted"; }

 protected:
  Credentials fetch() override {
    int n = ++fetches;
    if (fail) throw RuntimeError("scripted outage");
    std::this_thread::sleep_for(5ms);  // widen the window in which callers overlap
    return Credentials{"ASIA" + std::to_string(n), "scripted-secret-" + std::to_string(n), "scripted-token",
                       std::chrono::system_clock::now() + lifetime};
  }
};

TEST(CredentialRefresh, FetchesOnceWhileFresh) {
  ScriptedProvider p;
  EXPECT_EQ(p.get().access_key_id, "ASIA1");
  EXPECT_EQ(p.get().access_key_id, "ASIA1");
  EXPECT_EQ(p.fetches, 1);
  EXPECT_EQ(log::redact("scripted-secret-1"), "***");
}

TEST(CredentialRefresh, RefetchesCloseToExpiry) {
  ScriptedProvider p;
  p.lifetime = std::chrono::duration_cast<std::chrono::seconds>(RefreshingCredentialsProvider::kMandatoryRefresh) - 1s;
  EXPECT_EQ(p.get().access_key_id, "ASIA1");
  EXPECT_EQ(p.get().access_key_id, "ASIA2");
  p.fail = true;
  EXPECT_THROW(p.get(), RuntimeError);  // nothing usable left: the failure surfaces
}

TEST(CredentialRefresh, KeepsValidCredentialsWhenAnEarlyRefreshFails) {
  ScriptedProvider p;
  p.lifetime = std::chrono::duration_cast<std::chrono::seconds>(RefreshingCredentialsProvider::kAdvisoryRefresh) - 1s;
  EXPECT_EQ(p.get().access_key_id, "ASIA1");
  p.fail = true;
  EXPECT_EQ(p.get().access_key_id, "ASIA1");
  EXPECT_EQ(p.fetches, 2);  // it did try
  p.fail = false;
  EXPECT_EQ(p.get().access_key_id, "ASIA3");
}

TEST(CredentialRefresh, InvalidateForcesAFetch) {
  ScriptedProvider p;
  EXPECT_EQ(p.get().access_key_id, "ASIA1");
  p.invalidate();
  EXPECT_EQ(p.get().access_key_id, "ASIA2");
}

TEST(CredentialRefresh, ConcurrentCallersShareOneFetch) {
  ScriptedProvider p;
  std::vector<std::thread> threads;
  std::vector<std::string> keys(8);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    threads.emplace_back([&, i] { keys[i] = p.get().access_key_id; });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(p.fetches, 1);
  for (const auto& key : keys) EXPECT_EQ(key, "ASIA1");
}

}  // namespace
}  // namespace pgdump2s3::s3

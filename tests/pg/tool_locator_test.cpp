// Choosing pg_dump by server version, against fake version folders: small
// scripts that answer `--version` like the real tools.
#include "pg/tool_locator.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "support/process.h"
#include "util/error.h"

namespace pgdump2s3::pg {
namespace {

using testing::TempDir;

class ToolLocator : public ::testing::Test {
 protected:
  // DIR/<major>/bin/<tool> printing "<tool> (PostgreSQL) <version>".
  std::string fake_tool(const std::string& dir, const std::string& tool, const std::string& version) {
    std::filesystem::create_directories(dir);
    std::string path = dir + "/" + tool;
    testing::write_file(path, "#!/bin/sh\necho '" + tool + " (PostgreSQL) " + version + " (Debian " + version +
                                  "-1.pgdg120+1)'\n");
    chmod(path.c_str(), 0755);
    return path;
  }
  std::string versioned(const std::string& major, const std::string& version, const std::string& tool = "pg_dump") {
    return fake_tool(root_.file(major + "/bin"), tool, version);
  }
  ToolSearch search() const {
    ToolSearch s;
    s.versioned_roots = {root_.path()};
    return s;
  }
  std::string locate_error(int server, const ToolSearch& s) {
    try {
      locate_tool("pg_dump", server, s);
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no ConfigError";
    return {};
  }

  TempDir root_;
  TempDir other_;
};

TEST_F(ToolLocator, ReadsTheVersionFromEachBinary) {
  versioned("14", "14.11");
  versioned("16", "16.2");
  std::vector<FoundTool> found = find_tools("pg_dump", search());
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].path, root_.file("14/bin/pg_dump"));
  EXPECT_EQ(found[0].version_num, 140011);
  EXPECT_EQ(found[1].version_num, 160002);
}

TEST_F(ToolLocator, PicksTheSameMajorVersion) {
  versioned("14", "14.11");
  std::string v15 = versioned("15", "15.6");
  versioned("16", "16.2");
  FoundTool t = locate_tool("pg_dump", 150004, search());
  EXPECT_EQ(t.path, v15);
  EXPECT_EQ(t.version_num, 150006);
}

TEST_F(ToolLocator, PicksTheNewestNewerWhenNoneMatches) {
  versioned("13", "13.14");
  versioned("16", "16.2");
  std::string v17 = versioned("17", "17.0");
  EXPECT_EQ(locate_tool("pg_dump", 150004, search()).path, v17);
  // Versions before 10 have two-part majors: 9.6 is older than 13.
  EXPECT_EQ(locate_tool("pg_dump", 90624, search()).path, v17);
}

TEST_F(ToolLocator, AServerNewerThanEveryToolNamesWhatWasFoundAndThePackage) {
  versioned("14", "14.11");
  versioned("15", "15.6");
  EXPECT_EQ(locate_error(170002, search()),
            "pg_dump 17 or newer not found for the server (PostgreSQL 17): found pg_dump 14 (" +
                root_.file("14/bin/pg_dump") + "), pg_dump 15 (" + root_.file("15/bin/pg_dump") +
                "); install postgresql-client-17 or set PG_DUMP_PATH to a pg_dump 17 or newer");
}

TEST_F(ToolLocator, NothingFoundSaysWhereItLooked) {
  EXPECT_EQ(locate_error(160000, search()), "pg_dump not found (looked in " + root_.path() +
                                                "/N/bin, PATH): install postgresql-client-16 or set PG_DUMP_PATH "
                                                "to a pg_dump 16 or newer");
}

TEST_F(ToolLocator, SearchesPathAfterTheVersionedFolders) {
  std::string in_path = fake_tool(other_.file("bin"), "pg_dump", "16.1");
  std::string debian = versioned("16", "16.2");
  ToolSearch s = search();
  s.path_dirs = {other_.file("bin")};
  EXPECT_EQ(locate_tool("pg_dump", 160000, s).path, debian);  // same major: the first found
  s.versioned_roots.clear();
  EXPECT_EQ(locate_tool("pg_dump", 160000, s).path, in_path);
}

TEST_F(ToolLocator, ListsALinkedBinaryOnce) {
  std::string real = versioned("16", "16.2");
  std::filesystem::create_directories(other_.file("bin"));
  std::filesystem::create_symlink(real, other_.file("bin/pg_dump"));
  ToolSearch s = search();
  s.path_dirs = {other_.file("bin")};
  EXPECT_EQ(find_tools("pg_dump", s).size(), 1u);
}

TEST_F(ToolLocator, IgnoresBinariesThatAreNotPostgresTools) {
  versioned("16", "16.2");
  std::filesystem::create_directories(other_.file("bin"));
  testing::write_file(other_.file("bin/pg_dump"), "#!/bin/sh\necho 'something else 99.0'\n");
  chmod(other_.file("bin/pg_dump").c_str(), 0755);
  ToolSearch s = search();
  s.path_dirs = {other_.file("bin")};
  EXPECT_EQ(find_tools("pg_dump", s).size(), 1u);
}

TEST_F(ToolLocator, ExplicitPathAsFileFolderOrVersionRoot) {
  versioned("16", "16.2");
  std::string file = fake_tool(other_.file("opt/bin"), "pg_dump", "17.1");
  fake_tool(other_.file("opt/bin"), "pg_restore", "17.1");
  ToolSearch s = search();
  s.explicit_path = file;
  // A usable explicit tool wins over an exact match elsewhere.
  EXPECT_EQ(locate_tool("pg_dump", 160000, s).path, file);
  // The other tools are looked up beside the file.
  EXPECT_EQ(locate_tool("pg_restore", 160000, s).path, other_.file("opt/bin/pg_restore"));
  s.explicit_path = other_.file("opt/bin");
  EXPECT_EQ(locate_tool("pg_dump", 160000, s).path, file);
  s.explicit_path = root_.path();
  s.versioned_roots.clear();
  EXPECT_EQ(locate_tool("pg_dump", 160000, s).path, root_.file("16/bin/pg_dump"));
}

TEST_F(ToolLocator, ExplicitPathTooOldFallsBackToANewerTool) {
  std::string v16 = versioned("16", "16.2");
  ToolSearch s = search();
  s.explicit_path = fake_tool(other_.file("old"), "pg_dump", "14.1");
  EXPECT_EQ(locate_tool("pg_dump", 160000, s).path, v16);
}

TEST_F(ToolLocator, BadExplicitPathIsAConfigError) {
  ToolSearch s = search();
  s.explicit_path = other_.file("missing/pg_dump");
  EXPECT_EQ(locate_error(160000, s), "PG_DUMP_PATH: " + other_.file("missing/pg_dump") + " does not exist");
  s.explicit_path = other_.path();
  EXPECT_NE(locate_error(160000, s).find("PG_DUMP_PATH: " + other_.path() + " holds no executable pg_dump"),
            std::string::npos);
  std::filesystem::create_directories(other_.file("bin"));
  testing::write_file(other_.file("bin/pg_dump"), "#!/bin/sh\nexit 1\n");
  chmod(other_.file("bin/pg_dump").c_str(), 0755);
  s.explicit_path = other_.file("bin/pg_dump");
  EXPECT_EQ(locate_error(160000, s), "PG_DUMP_PATH: " + other_.file("bin/pg_dump") +
                                         " is not a PostgreSQL pg_dump (`--version` gave no PostgreSQL version)");
}

TEST_F(ToolLocator, ReadsSearchPathsFromTheEnvironment) {
  ToolSearch s = ToolSearch::from_environment(
      Environment({{"PG_DUMP_PATH", "/opt/pg/bin"}, {"PATH", "/usr/local/bin::/usr/bin:"}}));
  EXPECT_EQ(s.explicit_path, "/opt/pg/bin");
  EXPECT_EQ(s.path_dirs, (std::vector<std::string>{"/usr/local/bin", "/usr/bin"}));
  EXPECT_EQ(s.versioned_roots, (std::vector<std::string>{"/usr/lib/postgresql"}));
}

TEST_F(ToolLocator, FindsTheRealPgDumpOfThisMachine) {
  // Debian 12 with postgresql-15 (the test cluster's version).
  FoundTool t = locate_tool("pg_dump", 150000, ToolSearch::from_environment(Environment::from_process()));
  EXPECT_EQ(t.path, "/usr/lib/postgresql/15/bin/pg_dump");
  EXPECT_EQ(t.version_num / 10000, 15);
}

}  // namespace
}  // namespace pgdump2s3::pg

#include <gtest/gtest.h>

#include "support/services.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  pgdump2s3::testing::load_service_env_files();
  return RUN_ALL_TESTS();
}

#include "s3/credentials.h"

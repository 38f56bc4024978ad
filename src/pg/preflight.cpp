#include "pg/preflight.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <map>
#include <memory>

#include "pg/sql_session.h"
#include "util/error.h"
#include "util/log.h"

namespace pgdump2s3::pg {
namespace {

// At most this many objects are named in one message.
constexpr std::size_t kNamedObjects = 5;

// The relations pg_dump reads and locks (LOCK TABLE ... IN ACCESS SHARE
// MODE needs SELECT, so even a schema-only dump needs it): tables,
// partitioned tables and sequences outside the system schemas, minus
// extension members (the extension recreates them). $1: schemas to keep
// (empty: all), $2: schemas to leave out.
constexpr const char* kDumpedRelations = R"sql(
  WITH dumped AS (
    SELECT c.oid, c.relkind, c.relnamespace, n.nspname, c.relname, c.relowner,
           c.relrowsecurity, c.relforcerowsecurity
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'S')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_)'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                        AND d.objid = c.oid AND d.deptype = 'e')
      AND (pg_catalog.cardinality($1::text[]) = 0 OR n.nspname = ANY ($1::text[]))
      AND NOT (n.nspname = ANY ($2::text[])))
)sql";

// A text[] literal: {"a","b"} with " and \ escaped.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const std::string& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// "a, b, c and 4 more"
std::string first_few(const std::vector<std::string>& names) {
  std::vector<std::string> shown(names.begin(), names.begin() + std::min(names.size(), kNamedObjects));
  std::string text = join(shown, ", ");
  if (names.size() > shown.size()) text += " and " + std::to_string(names.size() - shown.size()) + " more";
  return text;
}

// What the role lacks, and the statements that fix it, from the rows of
// the privilege query: (problem, quoted schema, quoted schema.relation).
std::string describe_missing_privileges(const std::vector<std::vector<std::string>>& rows, const std::string& role,
                                        bool server_has_read_all_data) {
  std::map<std::string, std::vector<std::string>> objects;  // problem -> names
  std::vector<std::string> schemas_without_usage, schemas_with_unreadable;
  for (const auto& row : rows) {
    const std::string& problem = row[0];
    objects[problem].push_back(row[2]);
    std::vector<std::string>& schemas = problem == "schema" ? schemas_without_usage : schemas_with_unreadable;
    if (problem != "rls" && (schemas.empty() || schemas.back() != row[1])) schemas.push_back(row[1]);
  }
  std::vector<std::string> lacks, fixes;
  if (!schemas_without_usage.empty()) {
    lacks.push_back("no USAGE on schema " + first_few(schemas_without_usage));
    fixes.push_back("GRANT USAGE ON SCHEMA " + join(schemas_without_usage, ", ") + " TO " + role);
  }
  if (!objects["table"].empty() || !objects["sequence"].empty()) {
    std::vector<std::string> names = objects["table"];
    names.insert(names.end(), objects["sequence"].begin(), objects["sequence"].end());
    lacks.push_back("no SELECT on " + first_few(names));
    if (names.size() <= kNamedObjects) {
      fixes.push_back("GRANT SELECT ON " + join(names, ", ") + " TO " + role);
    } else {
      for (const std::string& schema : schemas_with_unreadable) {
        fixes.push_back("GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role);
        fixes.push_back("GRANT SELECT ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role);
      }
    }
  }
  std::string text = "role " + role + " cannot read what pg_dump must read: " + join(lacks, "; ");
  if (!fixes.empty()) {
    text += "; fix as the owner or a superuser: " + join(fixes, "; ");
    if (server_has_read_all_data) text += " (or GRANT pg_read_all_data TO " + role + ")";
  }
  if (!objects["rls"].empty()) {
    text += (lacks.empty() ? "" : "; ") + std::string("row-level security applies to ") + first_few(objects["rls"]) +
            " and pg_dump refuses to dump filtered rows: ALTER ROLE " + role +
            " BYPASSRLS, or add --enable-row-security to PG_DUMP_ARGS to dump only the visible rows";
  }
  return text;
}

}  // namespace

PreflightOptions PreflightOptions::for_dump(const DumpArguments& dump) {
  PreflightOptions options;
  options.schemas = dump.schemas;
  options.excluded_schemas = dump.excluded_schemas;
  options.missing_privileges_are_errors = !dump.selects_by_pattern;
  options.enable_row_security = dump.enable_row_security;
  return options;
}

PreflightResult preflight(const DatabaseUrl& url, const PreflightOptions& options) {
  SqlSession session(url, options.connect_timeout_s);
  std::string where = url.variable() + " (" + url.redacted() + "): ";

  PreflightResult result;
  result.server_version_num = session.server_version_num();
  result.server_version = session.server_version();

  auto facts = session.query(R"sql(
    SELECT pg_catalog.current_database(), pg_catalog.quote_ident(current_user),
           pg_catalog.pg_database_size(pg_catalog.current_database()),
           r.rolsuper, r.rolsuper OR r.rolbypassrls,
           EXISTS (SELECT 1 FROM pg_catalog.pg_roles g
                   WHERE g.rolname = 'pg_read_all_data' AND pg_catalog.pg_has_role(g.oid, 'USAGE')),
           EXISTS (SELECT 1 FROM pg_catalog.pg_roles g WHERE g.rolname = 'pg_read_all_data')
    FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)sql");
  const std::vector<std::string>& f = facts.at(0);
  result.database = f[0];
  result.user = f[1];
  result.database_size_bytes = std::stoll(f[2]);
  bool superuser = f[3] == "t";
  bool bypasses_rls = f[4] == "t" || options.enable_row_security;
  bool reads_all_data = superuser || f[5] == "t";
  bool server_has_read_all_data = f[6] == "t";

  std::vector<std::string> schema_params = {text_array(options.schemas), text_array(options.excluded_schemas)};
  std::vector<std::string> privilege_params = schema_params;
  privilege_params.push_back(bypasses_rls ? "true" : "false");
  auto missing = session.query(std::string(kDumpedRelations) + R"sql(
    SELECT problem, pg_catalog.quote_ident(nspname),
           pg_catalog.quote_ident(nspname) || '.' || pg_catalog.quote_ident(relname)
    FROM (SELECT *, CASE
            WHEN NOT pg_catalog.has_schema_privilege(relnamespace, 'USAGE') THEN 'schema'
            WHEN relkind = 'S' AND NOT pg_catalog.has_sequence_privilege(oid, 'SELECT') THEN 'sequence'
            WHEN relkind <> 'S' AND NOT pg_catalog.has_table_privilege(oid, 'SELECT') THEN 'table'
            WHEN relkind <> 'S' AND relrowsecurity AND NOT $3::boolean
                 AND (relforcerowsecurity OR NOT pg_catalog.pg_has_role(relowner, 'USAGE')) THEN 'rls'
          END AS problem FROM dumped) checked
    WHERE problem IS NOT NULL
    ORDER BY 1, 3)sql",
                               privilege_params);
  if (!missing.empty()) {
    std::string text = where + describe_missing_privileges(missing, result.user, server_has_read_all_data);
    if (options.missing_privileges_are_errors) throw ConfigError(log::redact(text));
    result.warnings.push_back(log::redact(text + " (the dump selects tables by pattern: pg_dump may not need them all)"));
  }

  // Large objects: pg_dump dumps them in whole-database dumps, and reading
  // one needs ownership or a SELECT grant unless lo_compat_privileges is on
  // (has_largeobject_privilege exists from PostgreSQL 17 on only).
  auto large_objects = session.query(R"sql(
    SELECT pg_catalog.count(*) FROM pg_catalog.pg_largeobject_metadata m
    WHERE NOT ((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
               OR pg_catalog.current_setting('lo_compat_privileges')::boolean
               OR pg_catalog.pg_has_role(m.lomowner, 'USAGE')
               OR EXISTS (SELECT 1 FROM pg_catalog.aclexplode(m.lomacl) a
                          WHERE a.privilege_type = 'SELECT'
                            AND (a.grantee = 0 OR pg_catalog.pg_has_role(a.grantee, 'USAGE')))))sql");
  if (std::int64_t count = std::stoll(large_objects.at(0).at(0)); count > 0) {
    result.warnings.push_back(where + std::to_string(count) + " large object(s) cannot be read by role " +
                              result.user + ": pg_dump will fail on them; GRANT SELECT ON LARGE OBJECT <oid> TO " +
                              result.user + ", or leave them out with --no-blobs in PG_DUMP_ARGS");
  }

  if (!reads_all_data) {
    auto foreign = session.query(std::string(kDumpedRelations) + R"sql(
      SELECT pg_catalog.count(*) FROM dumped WHERE NOT pg_catalog.pg_has_role(relowner, 'USAGE'))sql",
                                 schema_params);
    if (std::int64_t count = std::stoll(foreign.at(0).at(0)); count > 0) {
      std::string fix = server_has_read_all_data ? "GRANT pg_read_all_data TO " + result.user
                                                 : "ALTER DEFAULT PRIVILEGES FOR ROLE <owner> GRANT SELECT ON "
                                                   "TABLES TO " + result.user;
      result.warnings.push_back(where + "role " + result.user + " is not a superuser" +
                                (server_has_read_all_data ? " nor a member of pg_read_all_data" : "") + " and " +
                                std::to_string(count) + " table(s) or sequence(s) belong to other roles: it reads "
                                "them only through grants, which tables created later will lack; " + fix);
    }
  }
  return result;
}

}  // namespace pgdump2s3::pg

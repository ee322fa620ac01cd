#ifndef RIPOSTE_COMMON_POSTGRES_DSN_H_
#define RIPOSTE_COMMON_POSTGRES_DSN_H_

// PostgreSQL connection strings (libpq's "DSN"), in both of libpq's forms:
// key=value settings ("host=db user=riposte password='s3 cr3t'") and URIs
// ("postgresql://riposte:s3cr3t@db:5432/riposte?sslmode=verify-full").
//
// A DSN is a secret: it usually carries the password. These functions let
// riposted check one and log where it connects without ever showing the
// password. Pure and thread-safe.

#include <string>

#include "absl/strings/string_view.h"

namespace riposte {

// `dsn` with every secret removed, fit for logs and messages:
//   host=db user=r password='x y' dbname=r  ->  host=db user=r dbname=r
//   postgresql://r:secret@db/r?password=x   ->  postgresql://r@db/r
//
// Removed: password, sslpassword and oauth_client_secret settings (also
// when percent-encoded as URI query keys), the password of a URI's
// user:password@, and, because a malformed DSN may have split a password
// into pieces, everything this cannot read as a setting libpq knows: names
// libpq does not know, settings without '=', the rest of the string after an
// unterminated quote, a URI's user part when its '@' is not where it should
// be (shown as "***@"). A dbname setting that is itself a connection string
// is redacted the same way, one level deep as libpq expands it; a dbname
// connection string inside that one is removed. Never throws; any input gives some output
// (possibly "").
std::string RedactDsn(absl::string_view dsn);

// "" when `dsn` reads as a connection string libpq will accept the syntax of;
// otherwise what is wrong, naming settings by position and never quoting any
// of the text, as a sentence with its subject: "the string is empty",
// "setting 3 has no '=' after its name", "setting 2 (password) has a quoted
// value that is not closed", "the URI has an '@' that is not the one ending
// user:password@ (...): percent-encode them (%40, %2F, %3F)", "the URI's
// query parameter 2 is not one key=value". Catching these here keeps
// libpq's own parse errors, which quote the offending text, out of the
// logs.
std::string DsnSyntaxProblem(absl::string_view dsn);

}  // namespace riposte

#endif  // RIPOSTE_COMMON_POSTGRES_DSN_H_

// The fixtures the MCP conformance suite's `server` scenarios call
// (@modelcontextprotocol/conformance: tools test_simple_text, ...; resources
// test://static-text, ...; prompts test_simple_prompt, ...), exactly as the
// scenarios expect them. Test-only: linked into
// //tests/e2e:conformance_gateway, never into the production gateway.
//
// Linking the library (alwayslink) registers AddConformanceFixtures as a
// catalog extension (see mcp/catalog.h).
#ifndef MCP_OAUTH_MCP_TESTING_CONFORMANCE_FIXTURES_H_
#define MCP_OAUTH_MCP_TESTING_CONFORMANCE_FIXTURES_H_

#include "absl/status/status.h"
#include "mcp/catalog.h"

namespace mcp_oauth::mcp::testing {

// Adds the fixture tools, resources, resource template and prompts.
absl::Status AddConformanceFixtures(Catalog* catalog);

}  // namespace mcp_oauth::mcp::testing

#endif  // MCP_OAUTH_MCP_TESTING_CONFORMANCE_FIXTURES_H_

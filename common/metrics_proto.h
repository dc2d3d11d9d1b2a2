// Conversions between metrics snapshots (common/metrics.h) and the
// mcp_oauth.ops.v1 messages MetricsService sends.
#ifndef MCP_OAUTH_COMMON_METRICS_PROTO_H_
#define MCP_OAUTH_COMMON_METRICS_PROTO_H_

#include "common/metrics.h"
#include "proto/ops/v1/metrics.pb.h"

namespace mcp_oauth::metrics {

ops::v1::MetricFamily ToProto(const FamilySnapshot& family);

// The inverse of ToProto; an unknown type reads as a gauge.
FamilySnapshot FromProto(const ops::v1::MetricFamily& family);

}  // namespace mcp_oauth::metrics

#endif  // MCP_OAUTH_COMMON_METRICS_PROTO_H_

#include "common/metrics_proto.h"

#include <utility>

namespace mcp_oauth::metrics {
namespace {

namespace ops = ::mcp_oauth::ops::v1;

void CopyLabels(const FamilySnapshot::Labels& labels,
                google::protobuf::RepeatedPtrField<ops::Label>* out) {
  for (const auto& [name, value] : labels) {
    ops::Label* label = out->Add();
    label->set_name(name);
    label->set_value(value);
  }
}

FamilySnapshot::Labels LabelsOf(const google::protobuf::RepeatedPtrField<ops::Label>& labels) {
  FamilySnapshot::Labels out;
  for (const ops::Label& label : labels) out.emplace_back(label.name(), label.value());
  return out;
}

}  // namespace

ops::MetricFamily ToProto(const FamilySnapshot& family) {
  ops::MetricFamily out;
  out.set_name(family.name);
  out.set_help(family.help);
  switch (family.type) {
    case FamilySnapshot::Type::kCounter:
      out.set_type(ops::MetricFamily::COUNTER);
      break;
    case FamilySnapshot::Type::kGauge:
      out.set_type(ops::MetricFamily::GAUGE);
      break;
    case FamilySnapshot::Type::kHistogram:
      out.set_type(ops::MetricFamily::HISTOGRAM);
      break;
  }
  for (const FamilySnapshot::Value& value : family.values) {
    ops::Sample* sample = out.add_samples();
    CopyLabels(value.labels, sample->mutable_labels());
    sample->set_value(value.value);
  }
  for (const FamilySnapshot::HistogramValue& value : family.histograms) {
    ops::HistogramSample* sample = out.add_histograms();
    CopyLabels(value.labels, sample->mutable_labels());
    for (const auto& [bound, cumulative] : value.buckets) {
      auto* bucket = sample->add_buckets();
      bucket->set_upper_bound(bound);
      bucket->set_cumulative_count(cumulative);
    }
    sample->set_count(value.count);
    sample->set_sum(value.sum);
  }
  return out;
}

FamilySnapshot FromProto(const ops::MetricFamily& family) {
  FamilySnapshot out;
  out.name = family.name();
  out.help = family.help();
  switch (family.type()) {
    case ops::MetricFamily::COUNTER:
      out.type = FamilySnapshot::Type::kCounter;
      break;
    case ops::MetricFamily::HISTOGRAM:
      out.type = FamilySnapshot::Type::kHistogram;
      break;
    default:
      out.type = FamilySnapshot::Type::kGauge;
      break;
  }
  for (const ops::Sample& sample : family.samples()) {
    out.values.push_back({LabelsOf(sample.labels()), sample.value()});
  }
  for (const ops::HistogramSample& sample : family.histograms()) {
    FamilySnapshot::HistogramValue value;
    value.labels = LabelsOf(sample.labels());
    for (const auto& bucket : sample.buckets()) {
      value.buckets.emplace_back(bucket.upper_bound(), bucket.cumulative_count());
    }
    value.count = sample.count();
    value.sum = sample.sum();
    out.histograms.push_back(std::move(value));
  }
  return out;
}

}  // namespace mcp_oauth::metrics

#ifndef RIPOSTE_METRICS_METRICS_H_
#define RIPOSTE_METRICS_METRICS_H_

// Riposte's Prometheus client: a Registry owns counter, gauge and histogram
// families; each family hands out cached, lock-free series per label values;
// Registry::RenderText() produces the text exposition format 0.0.4.
//
//   registry.h     Registry: AddCounter, AddGauge, AddCallbackGauge,
//                  AddHistogram, RenderText
//   counter.h      Counter, CounterFamily
//   gauge.h        Gauge, GaugeFamily (set or callback series)
//   histogram.h    Histogram, HistogramFamily, ExponentialBuckets,
//                  LinearBuckets, DefaultLatencyBuckets
//   text_format.h  kTextContentType, escaping and number formatting

#include "metrics/counter.h"    // IWYU pragma: export
#include "metrics/gauge.h"      // IWYU pragma: export
#include "metrics/histogram.h"  // IWYU pragma: export
#include "metrics/registry.h"   // IWYU pragma: export
#include "metrics/text_format.h"  // IWYU pragma: export

#endif  // RIPOSTE_METRICS_METRICS_H_

#!/usr/bin/env python3
"""Generates grafana/dashboards/alignstream-learning.json (kept in git; rerun after editing, then run
DashboardQueriesTest, which checks every query against a real Prometheus)."""
import json, os
SEL = 'stream=~"$stream", model=~"$model"'
DS = {"type": "prometheus", "uid": "prometheus"}
panels = []
def panel(title, desc, targets, unit=None, x=0, y=0, w=12, h=8, extra=None, minv=None, maxv=None):
    pid = len(panels) + 1
    defaults = {"custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 0, "showPoints": "never", "spanNulls": True}}
    if unit: defaults["unit"] = unit
    if minv is not None: defaults["min"] = minv
    if maxv is not None: defaults["max"] = maxv
    p = {"id": pid, "type": "timeseries", "title": title, "description": desc, "datasource": DS,
         "gridPos": {"x": x, "y": y, "w": w, "h": h},
         "fieldConfig": {"defaults": defaults, "overrides": extra or []},
         "options": {"legend": {"displayMode": "table", "placement": "right", "calcs": ["lastNotNull"]},
                     "tooltip": {"mode": "multi", "sort": "desc"}},
         "targets": [dict(t, datasource=DS, refId=chr(65 + i)) for i, t in enumerate(targets)]}
    panels.append(p)
def dashed(regex):
    return {"matcher": {"id": "byRegexp", "options": regex},
            "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]}

panel("Prequential accuracy", "Test-then-train accuracy per model over the last 1,000 labelled samples (solid) and the last 100 (dashed). Models on the same stream see the same samples, so the rules compare side by side.",
      [{"expr": f'alignstream_prequential_accuracy{{{SEL}, window="1000"}}', "legendFormat": "{{model}} ({{rule}}) last 1000"},
       {"expr": f'alignstream_prequential_accuracy{{{SEL}, window="100"}}', "legendFormat": "{{model}} ({{rule}}) last 100"}],
      unit="percentunit", x=0, y=0, extra=[dashed(".*last 100$")], minv=0, maxv=1)
panel("Prequential loss", "Mean test-then-train loss 0.5·||f − t||² per model over the last 1,000 labelled samples (solid) and the last 100 (dashed).",
      [{"expr": f'alignstream_prequential_loss{{{SEL}, window="1000"}}', "legendFormat": "{{model}} ({{rule}}) last 1000"},
       {"expr": f'alignstream_prequential_loss{{{SEL}, window="100"}}', "legendFormat": "{{model}} ({{rule}}) last 100"}],
      x=12, y=0, extra=[dashed(".*last 100$")], minv=0)
panel("Alignment score per layer", "Input-weight alignment of each layer's change W − W0 with the error-weighted input correlation (SPEC section 5), solid; the same score with the entries of W − W0 permuted (chance baseline), dashed. align-zero is 1 by construction. Recomputed every few seconds from model copies, off the stream thread.",
      [{"expr": f'alignstream_alignment_score{{{SEL}}}', "legendFormat": "{{model}} ({{rule}}) layer {{layer}}"},
       {"expr": f'alignstream_alignment_baseline{{{SEL}}}', "legendFormat": "{{model}} ({{rule}}) layer {{layer}} baseline"}],
      x=0, y=8, extra=[dashed(".*baseline$")], minv=0, maxv=1)
panel("Samples learned per second", "Rate of samples each model learns from (applied updates × batch size).",
      [{"expr": f'sum by (model, rule) (rate(alignstream_samples_learned_total{{{SEL}}}[$__rate_interval]))', "legendFormat": "{{model}} ({{rule}})"}],
      unit="ops", x=12, y=8, minv=0)
panel("Update latency p50 / p99", "Time to predict and learn one sample on the stream thread, from the alignstream_update_seconds histogram.",
      [{"expr": f'histogram_quantile(0.5, sum by (le, model) (rate(alignstream_update_seconds_bucket{{{SEL}}}[$__rate_interval])))', "legendFormat": "{{model}} p50"},
       {"expr": f'histogram_quantile(0.99, sum by (le, model) (rate(alignstream_update_seconds_bucket{{{SEL}}}[$__rate_interval])))', "legendFormat": "{{model}} p99"}],
      unit="s", x=0, y=16, extra=[dashed(".*p99$")], minv=0)
panel("Consumer lag (max records)", "Largest lag in records of any partition the service's Kafka Streams consumers read: the stream threads' consumers (samples topic) and the global consumer (models topic). Kafka consumer metric records-lag-max, via Micrometer's KafkaStreamsMetrics; restore consumers are left out.",
      [{"expr": 'max by (instance) (kafka_consumer_fetch_manager_records_lag_max{client_id=~".*-StreamThread-[0-9]+-consumer"})', "legendFormat": "{{instance}} samples"},
       {"expr": 'max by (instance) (kafka_consumer_fetch_manager_records_lag_max{client_id=~".*-global-consumer"})', "legendFormat": "{{instance}} models"}],
      unit="short", x=12, y=16, minv=0)
panel("Dead letters by reason", "Records sent to the dead-letter topic per second, by reason (malformed-json, wrong-width, non-finite, label-out-of-range, ...).",
      [{"expr": 'sum by (reason) (rate(alignstream_dead_letters_total[$__rate_interval]))', "legendFormat": "{{reason}}"}],
      unit="ops", x=0, y=24, minv=0)
panel("JVM heap", "Heap used (solid) and the heap limit (dashed) of each service instance.",
      [{"expr": 'sum by (instance) (jvm_memory_used_bytes{area="heap"})', "legendFormat": "{{instance}} used"},
       {"expr": 'sum by (instance) (jvm_memory_max_bytes{area="heap"})', "legendFormat": "{{instance}} max"}],
      unit="bytes", x=12, y=24, extra=[dashed(".*max$")], minv=0)
panel("Weight change norm per layer", "Frobenius norm ||W − W0|| of each layer's total change since initialization.",
      [{"expr": f'alignstream_weight_change_norm{{{SEL}}}', "legendFormat": "{{model}} ({{rule}}) layer {{layer}}"}],
      x=0, y=32)
panel("Records in / out per second", "Records read from the samples topic, and prediction plus dead-letter records written, per second.",
      [{"expr": 'sum by (instance) (rate(alignstream_records_in_total[$__rate_interval]))', "legendFormat": "{{instance}} in"},
       {"expr": 'sum by (instance) (rate(alignstream_records_out_total[$__rate_interval]))', "legendFormat": "{{instance}} out"}],
      unit="ops", x=12, y=32, minv=0)
panel("Rejected updates", "Updates refused because they would have made weights non-finite (divergence guard); should stay at zero.",
      [{"expr": f'sum by (model, rule) (increase(alignstream_rejected_updates_total{{{SEL}}}[$__rate_interval]))', "legendFormat": "{{model}} ({{rule}})"}],
      unit="short", x=0, y=40, minv=0)
panel("Samples seen", "Samples each model has learned from since it was created (survives restarts).",
      [{"expr": f'alignstream_samples_seen{{{SEL}}}', "legendFormat": "{{model}} ({{rule}})"}],
      unit="short", x=12, y=40, minv=0)
panel("Delayed labels: waiting and expired", "Samples served and waiting for their delayed label, per stream (left axis), and samples that expired before their label came, per minute (dashed). Unmatched and duplicate labels are in Dead letters by reason.",
      [{"expr": 'sum by (stream) (alignstream_pending_samples{stream=~"$stream"})', "legendFormat": "{{stream}} waiting"},
       {"expr": 'sum by (stream) (increase(alignstream_expired_samples_total{stream=~"$stream"}[1m]))', "legendFormat": "{{stream}} expired / min"}],
      unit="short", x=0, y=48, minv=0, extra=[dashed(".*expired.*")])
panel("Label delay", "Record time from a sample to its delayed label, median and 99th percentile per stream.",
      [{"expr": 'histogram_quantile(0.5, sum by (le, stream) (rate(alignstream_label_delay_seconds_bucket{stream=~"$stream"}[$__rate_interval])))', "legendFormat": "{{stream}} p50"},
       {"expr": 'histogram_quantile(0.99, sum by (le, stream) (rate(alignstream_label_delay_seconds_bucket{stream=~"$stream"}[$__rate_interval])))', "legendFormat": "{{stream}} p99"}],
      unit="s", x=12, y=48, minv=0)

def var(name, label, query):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "definition": query, "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "refresh": 2, "includeAll": True, "multi": True, "allValue": ".*",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1}

dash = {
    "uid": "alignstream-learning", "title": "alignstream — learning",
    "description": "Online learning of every alignstream model: prequential accuracy and loss, input-weight alignment, throughput, latency, lag, dead letters, JVM.",
    "tags": ["alignstream"], "timezone": "browser", "schemaVersion": 39, "version": 1, "editable": True,
    "refresh": "5s", "time": {"from": "now-30m", "to": "now"}, "graphTooltip": 1,
    "templating": {"list": [var("stream", "stream", "label_values(alignstream_samples_seen, stream)"),
                            var("model", "model", 'label_values(alignstream_samples_seen{stream=~"$stream"}, model)')]},
    "annotations": {"list": []}, "links": [], "panels": panels}
root = os.path.join(os.path.dirname(__file__), "..")
# the Helm chart cannot read files outside itself, so it carries a copy (checked equal by DashboardFilesTest)
targets = [os.path.join(root, "grafana", "dashboards")]
targets += [os.path.join(root, "helm", c, "dashboards") for c in sorted(os.listdir(os.path.join(root, "helm")))
            if os.path.isdir(os.path.join(root, "helm", c, "dashboards"))] if os.path.isdir(os.path.join(root, "helm")) else []
for d in targets:
    out = os.path.join(d, "alignstream-learning.json")
    with open(out, "w") as f:
        json.dump(dash, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print("wrote", os.path.normpath(out))

#!/usr/bin/env python3
"""Generates grafana/dashboards/alignstream-learning.json (kept in git; rerun after editing)."""
import json, os

DS = {"type": "prometheus", "uid": "prometheus"}
SEL = 'stream=~"$stream", model=~"$model"'
panels = []

def panel(title, exprs, unit="none", x=0, y=0, w=12, h=8, legend="{{model}}", desc="", minv=None, maxv=None):
    targets = []
    for i, e in enumerate(exprs):
        expr, leg = e if isinstance(e, tuple) else (e, legend)
        targets.append({"datasource": DS, "expr": expr, "legendFormat": leg, "refId": chr(65 + i)})
    defaults = {"unit": unit}
    if minv is not None:
        defaults["min"] = minv
    if maxv is not None:
        defaults["max"] = maxv
    panels.append({"id": len(panels) + 1, "type": "timeseries", "title": title, "description": desc,
                   "datasource": DS, "gridPos": {"x": x, "y": y, "w": w, "h": h},
                   "fieldConfig": {"defaults": defaults, "overrides": []},
                   "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull"]}},
                   "targets": targets})

panel("Prequential accuracy (last 1000 samples)",
      [f'alignstream_prequential_accuracy{{{SEL}, window="1000"}}',
       (f'alignstream_prequential_accuracy{{{SEL}, window="100"}}', "{{model}} (last 100)")],
      unit="percentunit", x=0, y=0, minv=0, maxv=1,
      desc="Test-then-train accuracy: every sample is scored before the model learns from it. Rules side by side.")
panel("Prequential loss", [f'alignstream_prequential_loss{{{SEL}, window="1000"}}'], x=12, y=0,
      desc="Mean 0.5*||f - t||^2 over the last 1000 labelled samples, measured before learning.")
panel("Alignment score per layer", [(f'alignstream_alignment_score{{{SEL}}}', "{{model}} layer {{layer}}"),
                                    (f'alignstream_alignment_baseline{{{SEL}}}', "{{model}} layer {{layer}} (permuted baseline)")],
      x=0, y=8, minv=0, maxv=1,
      desc="Input-weight alignment (SPEC section 5): 1 means the weight change is exactly the error-weighted input correlation the NTK theory predicts.")
panel("Samples learned per second", [f'rate(alignstream_samples_learned_total{{{SEL}}}[$__rate_interval])'],
      unit="ops", x=12, y=8, desc="Throughput of learning per model.")
panel("Update latency p50 / p99",
      [(f'histogram_quantile(0.5, sum by (le, model) (rate(alignstream_update_seconds_bucket{{{SEL}}}[$__rate_interval])))', "{{model}} p50"),
       (f'histogram_quantile(0.99, sum by (le, model) (rate(alignstream_update_seconds_bucket{{{SEL}}}[$__rate_interval])))', "{{model}} p99")],
      unit="s", x=0, y=16, desc="Time to predict and learn one sample, per model.")
panel("Consumer lag (records)", [("max by (client_id) (kafka_consumer_fetch_manager_records_lag_max{client_id=~\".*StreamThread.*\"})",
                                  "{{client_id}}")],
      x=12, y=16, desc="Largest number of samples waiting in Kafka for a stream thread (Kafka Streams consumer metric records-lag-max).")
panel("Dead letters by reason", [("sum by (reason) (increase(alignstream_dead_letters_total[$__rate_interval]))", "{{reason}}")],
      x=0, y=24, desc="Unusable records sent to the dead-letter topic, by reason.")
panel("Weight change norm ||W - W0||", [(f'alignstream_weight_change_norm{{{SEL}}}', "{{model}} layer {{layer}}")],
      x=12, y=24, desc="How far each layer has moved from its initialization.")
panel("JVM heap", [("sum(jvm_memory_used_bytes{area=\"heap\"})", "used"), ("sum(jvm_memory_max_bytes{area=\"heap\"})", "max")],
      unit="bytes", x=0, y=32, desc="Heap used by the service JVM.")
panel("Rejected (divergent) updates", [f'increase(alignstream_rejected_updates_total{{{SEL}}}[$__rate_interval])'],
      x=12, y=32, desc="Steps refused because they would have made a weight non-finite.")

def var(name, query):
    return {"name": name, "label": name, "type": "query", "datasource": DS, "query": {"query": query, "refId": name},
            "definition": query, "refresh": 2, "includeAll": True, "multi": True, "allValue": ".*",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1}

dash = {"uid": "alignstream-learning", "title": "alignstream — learning", "tags": ["alignstream"],
        "timezone": "browser", "schemaVersion": 39, "version": 1, "refresh": "5s",
        "time": {"from": "now-15m", "to": "now"},
        "templating": {"list": [var("stream", "label_values(alignstream_samples_seen, stream)"),
                                var("model", 'label_values(alignstream_samples_seen{stream=~"$stream"}, model)')]},
        "panels": panels}
out = os.path.join(os.path.dirname(__file__), "..", "grafana", "dashboards", "alignstream-learning.json")
with open(out, "w") as f:
    json.dump(dash, f, indent=2, ensure_ascii=False)
    f.write("\n")
print("wrote", os.path.normpath(out))

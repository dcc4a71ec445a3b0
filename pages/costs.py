"""Costs: this month's spend by provider and by day, per-cluster cost, and the budget left."""

import plotly.express as px
import streamlit as st

from services.core.wording import count_noun
from services.spend.budget import cost_report, recent_months
from ui.frame import page

app, _ = page("Costs", needs_project=False)
month = st.selectbox("Month (UTC)", recent_months(12))
report = cost_report(app.engine, month)
budget = report.budget

c1, c2, c3, c4 = st.columns(4)
c1.metric("Spent", f"${report.spend_usd:.2f}")
c2.metric("Budget left", f"${budget.remaining_usd:.2f}")
c3.metric("Monthly budget", f"${budget.budget_usd:.2f}")
avg = report.avg_cost_per_paid_cluster_usd
c4.metric("Average cost per paid cluster", "—" if avg is None else f"${avg:.4f}")
st.caption(
    f"Budget left counts settled runs (${budget.settled_usd:.4f}) and runs in progress "
    f"(${budget.reserved_usd:.4f}). Design target: ≤ $0.10 per cluster. "
    f"{count_noun(report.free_clusters, 'cluster')} this month ran on offline providers at $0."
)

if report.by_provider.empty:
    st.info("No provider calls this month yet.")
else:
    if report.spend_usd > 0:
        left, right = st.columns(2)
        left.plotly_chart(
            px.bar(report.by_provider, x="provider", y="cost_usd", title="Spend by provider (USD)"),
            width="stretch",
        )
        by_day = px.bar(
            report.by_day, x="day", y="cost_usd", color="provider", title="Spend by day (USD)"
        )
        by_day.update_xaxes(type="date", tickformat="%b %d", dtick=86_400_000)
        right.plotly_chart(by_day, width="stretch")
    else:
        st.info("Every call this month ran on the offline providers at $0.")
    st.dataframe(
        report.by_provider,
        hide_index=True,
        width="stretch",
        column_config={"cost_usd": st.column_config.NumberColumn("cost (USD)", format="$%.4f")},
    )

st.subheader("Per cluster")
if report.clusters.empty:
    st.info("No clusters generated this month.")
else:
    money = {
        name: st.column_config.NumberColumn(name.replace("_usd", " (USD)"), format="$%.4f")
        for name in ("expand_usd", "enrich_usd", "filter_usd", "cost_usd")
    }
    st.dataframe(report.clusters, hide_index=True, width="stretch", column_config=money)

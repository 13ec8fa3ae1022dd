"""The experiment report as a PDF, one store and one period: what a CRO team forwards.

Why fpdf2 (PyPI ``fpdf2``): it is pure Python (no system libraries, so the wheel and the
Docker image need nothing more), kept (releases through 2026), and draws text tables
in a few lines; reportlab would do as well but brings a C extension and a larger API
for the same page. The PDF holds the same numbers as the JSON report it is drawn from,
written with two decimals for money and six for rates, so a reader (or a test parsing
the text back) finds the API's figures verbatim. Text uses the PDF core font, so it is
kept to Latin-1 (money is written with the currency code, not its symbol).
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from nudges.experiment_report import ALL, Report


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) >= 1 or value == 0 else f"{value:.6f}".rstrip("0")
    return str(value)


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


class _Doc(FPDF):
    def line_text(self, text: str, size: float = 10, bold: bool = False) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, size * 0.55, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table_rows(self, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
        self.set_font("Helvetica", "B", 8)
        for title, w in zip(header, widths, strict=True):
            self.cell(w, 6, _latin1(title), border=1)
        self.ln()
        self.set_font("Helvetica", "", 8)
        for row in rows:
            for value, w in zip(row, widths, strict=True):
                self.cell(w, 5, _latin1(value), border=1)
            self.ln()
        self.ln(3)


def render_pdf(report: Report) -> bytes:
    """A4 landscape: the period, the summary, the arms (all reasons), the nudges, the methods."""
    doc = _Doc(orientation="L", format="A4")
    doc.set_title(_latin1(f"cartcoach report {report.store_id} {report.experiment}"))
    doc.set_author("cartcoach")
    doc.add_page()
    period = report.period
    since = (period.since if period else None) or "start"
    until = (period.until if period else None) or "today"
    currency = report.currency or ""
    doc.line_text(f"Experiment report: {report.experiment}", 16, bold=True)
    doc.line_text(f"Store: {report.store_id}    Period: {since} to {until} (UTC days of first exposure)"
                  f"    Currency: {currency}    Gross margin used: {report.margin_pct:.2f}%")
    doc.ln(2)
    s = report.summary
    if s is not None:
        doc.line_text("Summary", 12, bold=True)
        doc.table_rows(
            ["figure", "value"],
            [
                ["treated sessions", str(s.treated_exposures)],
                ["holdout sessions", str(s.holdout_exposures)],
                ["attributed revenue", _money(s.attributed_revenue)],
                ["incremental revenue (vs holdout)", _money(s.incremental_revenue)],
                ["net margin", _money(s.net_margin)],
                ["incremental net margin (vs holdout)", _money(s.incremental_net_margin)],
                [f"blanket {s.blanket_coupon_pct:.0f}% coupon net margin (estimated)", _money(s.blanket_coupon_net_margin)],
                ["net margin vs blanket coupon", _money(s.net_margin_vs_blanket_coupon)],
            ],
            [110, 50],
        )
    doc.line_text("Arms, all reasons", 12, bold=True)
    arms = [r for r in report.rows if r.reason == ALL]
    doc.table_rows(
        ["arm", "exposures", "impressions", "clicks", "recoveries", "recovery rate", "uplift", "orders",
         "revenue", "incentive cost", "refunds", "refunded", "net margin"],
        [[r.arm, str(r.exposures), str(r.impressions), str(r.clicks), str(r.recoveries), _fmt(r.recovery_rate),
          _fmt(r.uplift), str(r.orders), _money(r.revenue), _money(r.incentive_cost), str(r.refunds),
          _money(r.refunded), _money(r.net_margin)] for r in arms],
        [22, 20, 22, 16, 20, 24, 22, 16, 26, 24, 18, 22, 24],
    )
    doc.line_text("Nudges", 12, bold=True)
    doc.table_rows(
        ["incentive", "exposures", "impressions", "clicks", "click rate", "recoveries", "orders", "revenue",
         "refunds", "refunded", "incentive cost"],
        [[n.incentive, str(n.exposures), str(n.impressions), str(n.clicks), _fmt(n.click_rate), str(n.recoveries),
          str(n.orders), _money(n.revenue), str(n.refunds), _money(n.refunded), _money(n.incentive_cost)]
         for n in report.nudges],
        [40, 22, 24, 18, 22, 22, 18, 28, 18, 24, 26],
    )
    doc.line_text("How these are computed", 12, bold=True)
    doc.line_text(f"Intervals: {report.method}.", 8)
    doc.line_text(f"Revenue: {report.revenue_basis}.", 8)
    if s is not None:
        doc.line_text("Incremental revenue: treated revenue minus the holdout's revenue per session times the "
                      "treated sessions.", 8)
        doc.line_text(f"Counterfactual: {s.counterfactual_method}.", 8)
    return bytes(doc.output())

package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/replicate-emd/replicate/claims"
)

// claimsTable is the table the report opens with: one line per claim,
// experiment and profile.
func claimsTable(rep *Report) textTable {
	level := levelText(claims.Level)
	t := textTable{
		ID:    "claims",
		Title: "Verdicts on the paper's claims",
		Header: []string{"claim", "experiment", "profile", "compared", "metric", "pairs", "Δ", level + " interval",
			"p (Holm)", "p (TOST)", "margin", "power", "verdict", "why"},
		Right: []bool{false, false, false, false, false, true, true, true, true, true, true, true, false, false},
		Empty: "No experiment of the database is named by a claim.",
	}
	for _, c := range rep.Claims {
		compared, metric := c.Claim.Treatment+" vs "+c.Claim.Baseline, header(c.Claim.Metric)
		if c.Claim.Kind == claims.GroundDistanceOrder {
			compared, metric = c.Claim.Treatment+": learned D vs |i − j|", "Spearman ρ"
		}
		if c.TreatmentSetting != "" || c.BaselineSetting != "" {
			compared += " (" + orDash(c.TreatmentSetting) + "; " + orDash(c.BaselineSetting) + ")"
		}
		delta, iv := dash, dash
		if c.N > 0 {
			delta = formatSigned(c.MeanDiff)
			if lo, hi := formatSigned(c.Lo), formatSigned(c.Hi); lo != dash && hi != dash {
				iv = "[" + lo + ", " + hi + "]"
			}
		}
		t.Rows = append(t.Rows, []string{c.Claim.ID, c.Experiment, c.Profile, compared, metric, strconv.Itoa(c.N),
			delta, iv, formatP(c.PHolm), formatP(c.PEquivalence), strconv.FormatFloat(c.Claim.Margin, 'g', -1, 64),
			formatPower(c.Power), string(c.Verdict), c.Reason})
	}
	t.Notes = []string{
		"Δ is treatment − baseline in the metric's units (for MAE a better treatment has a negative Δ), each loss at its setting chosen on the validation split, paired by fold and seed.",
		fmt.Sprintf("The test is the corrected resampled t-test (Nadeau & Bengio 2003): the variance of the mean difference is (1/J + n_test/n_train)·s², because cross-validation training sets overlap; p is two-sided and Holm-adjusted across the claims of one experiment and profile. p (TOST) tests |Δ| < margin. power: the chance that the test finds a difference of the margin with these pairs and their observed spread (the shifted-t approximation). supported: p < %g with Δ on the claimed side and |Δ| ≥ margin; contradicted: p < %g on the other side; no effect: p (TOST) < %g; differs: a claim without a side, p < %g and |Δ| ≥ margin; inconclusive otherwise or with fewer than %d pairs, with the pairs that %d%% power at the margin would need.",
			claims.Alpha, claims.Alpha, claims.Alpha, claims.Alpha, claims.MinPairs, int(100*claims.Power)),
	}
	return t
}

// formatPower prints a power as a percentage, a dash when undefined.
func formatPower(p float64) string {
	if math.IsNaN(p) {
		return dash
	}
	return strconv.FormatFloat(100*p, 'f', 0, 64) + "%"
}

// ClaimsFile is the claims table as CSV, relative to the report folder.
const ClaimsFile = "claims.csv"

var claimsColumns = []string{"claim", "experiment", "profile", "kind", "treatment", "treatment_setting", "baseline",
	"baseline_setting", "metric", "direction", "margin", "pairs", "ratio", "ratio_source", "diff", "ci_lo", "ci_hi", "p", "p_holm",
	"p_tost", "power", "verdict", "reason", "pairs_needed"}

// WriteClaimsCSV writes one line per claim, experiment and profile, with
// every number of its decision. Undefined numbers are empty fields; text
// that a spreadsheet would read as a formula starts with a quote.
func WriteClaimsCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(claimsColumns); err != nil {
		return err
	}
	for _, c := range rep.Claims {
		needed := ""
		if c.NeededReachable {
			needed = strconv.Itoa(c.NeededPairs)
		}
		rec := []string{csvText(c.Claim.ID), csvText(c.Experiment), csvText(c.Profile), csvText(string(c.Claim.Kind)),
			csvText(c.Claim.Treatment), csvText(c.TreatmentSetting), csvText(c.Claim.Baseline), csvText(c.BaselineSetting),
			csvText(c.Claim.Metric), csvText(string(c.Claim.Direction)), formatCSV(c.Claim.Margin), strconv.Itoa(c.N),
			formatCSV(c.Evidence.Ratio), csvText(c.RatioNote), formatCSV(c.MeanDiff), formatCSV(c.Lo), formatCSV(c.Hi), formatCSVP(c.P),
			formatCSVP(c.PHolm), formatCSVP(c.PEquivalence), formatCSV(c.Power), csvText(string(c.Verdict)), csvText(c.Reason), needed}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

using System;
using System.Collections.Generic;
using System.Linq;

namespace CheckedMmap.Benchmarks.Harness
{
    /// <summary>Order statistics over repeated samples. Medians, not means: one preempted sample on a shared VM
    /// must not move the result.</summary>
    internal static class Stats
    {
        public static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

        public static double Percentile(IEnumerable<double> values, double p)
        {
            double[] sorted = values.OrderBy(v => v).ToArray();
            if (sorted.Length == 0)
            {
                return double.NaN;
            }

            double rank = p * (sorted.Length - 1);
            int lower = (int)Math.Floor(rank);
            int upper = (int)Math.Ceiling(rank);
            return sorted[lower] + ((sorted[upper] - sorted[lower]) * (rank - lower));
        }

        /// <summary>Median of the per-round ratios a[i]/b[i]: both samples of a round were taken back to back, so the
        /// ratio cancels the machine's drift between rounds.</summary>
        public static Ratio PairedRatio(IReadOnlyList<double> numerator, IReadOnlyList<double> denominator)
        {
            int n = Math.Min(numerator.Count, denominator.Count);
            var ratios = new List<double>(n);
            for (int i = 0; i < n; i++)
            {
                ratios.Add(numerator[i] / denominator[i]);
            }

            return new Ratio(Median(ratios), Percentile(ratios, 0.25), Percentile(ratios, 0.75));
        }
    }

    internal readonly record struct Ratio(double Median, double Q1, double Q3)
    {
        public override string ToString() => $"{Median:0.00}× ({Q1:0.00}–{Q3:0.00})";
    }
}

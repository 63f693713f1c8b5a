using System;
using System.Collections.Generic;
using System.Linq;

namespace CheckedMmap.Benchmarks.Harness
{
    /// <summary>One contender in an interleaved comparison: <see cref="Sample"/> runs one batch and returns the cost
    /// per operation (ns, or whatever unit the caller reports).</summary>
    internal sealed record Contender(string Name, Func<double> Sample);

    /// <summary>A/B/A/B measurement: every round samples every contender once, in an order that rotates from round to
    /// round, so slow drift and order effects hit all contenders alike. Warm-up lasts at least
    /// <see cref="MinimumWarmup"/> as well as the rounds asked for: tiered compilation promotes hot methods only after
    /// a delay, and a round measured on tier-0 code compares the JIT's tiers, not the contenders.</summary>
    internal static class Interleaved
    {
        internal static readonly TimeSpan MinimumWarmup = TimeSpan.FromSeconds(1);

        public static Dictionary<string, List<double>> Run(IReadOnlyList<Contender> contenders, int warmupRounds, int rounds)
        {
            var samples = contenders.ToDictionary(c => c.Name, _ => new List<double>(rounds));
            var warmup = System.Diagnostics.Stopwatch.StartNew();
            for (int round = -warmupRounds; round < rounds; round++)
            {
                if (round == 0 && warmup.Elapsed < MinimumWarmup)
                {
                    round = -1; // one more warm-up round
                }

                int start = ((round % contenders.Count) + contenders.Count) % contenders.Count;
                for (int k = 0; k < contenders.Count; k++)
                {
                    Contender contender = contenders[(start + k) % contenders.Count];
                    double value = contender.Sample();
                    if (round >= 0)
                    {
                        samples[contender.Name].Add(value);
                    }
                }
            }

            return samples;
        }
    }
}

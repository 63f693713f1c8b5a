using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CheckedMmap.Analyzers.Values;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>A rule's judgement on an argument: no bad value, some ("may"), or every value ("is").</summary>
    internal readonly struct Verdict
    {
        private Verdict(IReadOnlyList<long> bad, bool always)
        {
            Bad = bad;
            Always = always;
        }

        public IReadOnlyList<long> Bad { get; }

        public bool Always { get; }

        public bool Reports => Bad is { Count: > 0 };

        /// <summary>"is"/"are"-style verb for the message: the argument certainly is, or may be, bad.</summary>
        public string Verb(string always, string sometimes = "may be") => Always ? always : sometimes;

        /// <summary>Judges only known sets: an unknown value never produces a diagnostic.</summary>
        public static Verdict Judge(ValueSet? values, Func<long, bool> isBad)
        {
            if (values is null || !values.IsKnown)
            {
                return default;
            }

            // Most arguments are fine: a list is made only once a bad value is found.
            IReadOnlyList<long> all = values.Values;
            List<long>? bad = null;
            for (int i = 0; i < all.Count; i++)
            {
                if (isBad(all[i]))
                {
                    (bad ??= new List<long>()).Add(all[i]);
                }
            }

            return bad is null ? default : new Verdict(bad, bad.Count == all.Count);
        }

        public string Describe(Func<long, string> format) => Describe(Bad, format);

        public static string Describe(IEnumerable<long> values, Func<long, string> format)
        {
            List<string> names = values.Select(format).Distinct().ToList();
            const int shown = 4;
            string text = string.Join(" or ", names.Take(shown));
            return names.Count > shown ? text + string.Format(CultureInfo.InvariantCulture, " (and {0} more)", names.Count - shown) : text;
        }

        /// <summary>Flags known only by their bits: "MAP_PRIVATE|MAP_FIXED with any of MAP_NORESERVE|MAP_POPULATE".</summary>
        public static string DescribeBits(int must, int may, Contract.MmapConstants constants)
        {
            int optional = may & ~must;
            string always = must == 0 ? "0" : constants.FormatFlags(must);
            return optional == 0 ? always : always + " with any of " + constants.FormatFlags(optional);
        }

        /// <summary>Numbers as people write them: small ones in decimal, larger ones in hex, negative ones with a minus sign (-0x2000).</summary>
        public static string FormatNumber(long value)
        {
            if (value > -4096 && value < 4096)
            {
                return value.ToString(CultureInfo.InvariantCulture);
            }

            return value < 0
                ? "-0x" + unchecked(0UL - (ulong)value).ToString("x", CultureInfo.InvariantCulture)
                : "0x" + value.ToString("x", CultureInfo.InvariantCulture);
        }
    }
}

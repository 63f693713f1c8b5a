using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using CheckedMmap.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>One MMAP008 finding at a munmap call.</summary>
    internal sealed class MunmapProblem
    {
        private MunmapProblem(DiagnosticDescriptor descriptor, IInvocationOperation call, MappingSite? site, object[] arguments, SyntaxNode? length = null)
        {
            Descriptor = descriptor;
            Call = call.Syntax;
            Site = site;
            Arguments = arguments;
            Length = length;
        }

        public DiagnosticDescriptor Descriptor { get; }

        public SyntaxNode Call { get; }

        public MappingSite? Site { get; }

        public object[] Arguments { get; }

        /// <summary>The munmap's length argument, for a wrong length at the mapping's start (the code fix rewrites it).</summary>
        public SyntaxNode? Length { get; }

        public static MunmapProblem ZeroLength(IInvocationOperation call, SyntaxNode length, MappingSite? site) =>
            new MunmapProblem(WholeMappingMunmapRule.ZeroLength, call, site, new object[] { site is null ? string.Empty : " of the mapping made at " + Where(site.Call, call.Syntax) }, length);

        public static MunmapProblem NotMapping(IInvocationOperation call, SyntaxNode address, string what) =>
            new MunmapProblem(WholeMappingMunmapRule.NotMapping, call, null, new object[] { what });

        public static MunmapProblem Interior(IInvocationOperation call, SyntaxNode address, MappingSite site, long? offset) =>
            new MunmapProblem(WholeMappingMunmapRule.Interior, call, site, new object[]
            {
                offset is { } bytes ? Bytes(bytes) : "an address",
                Where(site.Call, call.Syntax),
            });

        public static MunmapProblem Twice(IInvocationOperation call, MappingSite site, SyntaxNode first) =>
            new MunmapProblem(WholeMappingMunmapRule.Twice, call, site, new object[]
            {
                Where(site.Call, call.Syntax),
                first == call.Syntax ? "this munmap, in an earlier pass of its loop" : Where(first, call.Syntax),
            });

        public static MunmapProblem ReleasedByMremap(IInvocationOperation call, MappingSite site, SyntaxNode mremap) =>
            new MunmapProblem(WholeMappingMunmapRule.ReleasedByMremap, call, site, new object[]
            {
                Where(site.Call, call.Syntax),
                Where(mremap, call.Syntax),
            });

        /// <param name="atStart">Whether the address is the mapping's start: only then does its own length mend the call.</param>
        public static MunmapProblem WrongLength(IInvocationOperation call, SyntaxNode length, MappingSite site, ulong mapped, ulong unmapped, bool atStart = true) =>
            new MunmapProblem(
                unmapped < mapped ? WholeMappingMunmapRule.WrongLength : WholeMappingMunmapRule.LongerLength,
                call,
                site,
                new object[] { unmapped.ToString(CultureInfo.InvariantCulture), mapped.ToString(CultureInfo.InvariantCulture), Where(site.Call, call.Syntax) },
                atStart ? length : null);

        private static string Bytes(long bytes) =>
            bytes >= 0
                ? bytes.ToString(CultureInfo.InvariantCulture) + (bytes == 1 ? " byte" : " bytes")
                : "-" + (-bytes).ToString(CultureInfo.InvariantCulture) + " bytes (before it)";

        /// <summary>"line 12", "line 12, column 31" when the place is on the line it is named from, or "Arena.cs line 12"
        /// when it is in another file.</summary>
        public static string Where(SyntaxNode place, SyntaxNode from)
        {
            FileLinePositionSpan span = place.GetLocation().GetLineSpan();
            string line = "line " + (span.StartLinePosition.Line + 1).ToString(CultureInfo.InvariantCulture);
            if (place.SyntaxTree == from.SyntaxTree
                && from.GetLocation().GetLineSpan().StartLinePosition.Line == span.StartLinePosition.Line && place.SpanStart != from.SpanStart)
            {
                return line + ", column " + (span.StartLinePosition.Character + 1).ToString(CultureInfo.InvariantCulture);
            }

            if (place.SyntaxTree == from.SyntaxTree || string.IsNullOrEmpty(span.Path))
            {
                return line;
            }

            return System.IO.Path.GetFileName(span.Path) + " " + line;
        }
    }

    /// <summary>What the flow found in one body; turned into diagnostics once the flow has settled.</summary>
    internal sealed class LifetimeFindings
    {
        private readonly Dictionary<SyntaxNode, MunmapProblem> _munmaps = new Dictionary<SyntaxNode, MunmapProblem>();
        private readonly Dictionary<MappingSite, List<SyntaxNode>> _uses = new Dictionary<MappingSite, List<SyntaxNode>>();
        private readonly Dictionary<MappingSite, List<SyntaxNode>> _nullComparisons = new Dictionary<MappingSite, List<SyntaxNode>>();
        private readonly HashSet<MappingSite> _failureCompared = new HashSet<MappingSite>();

        public void Munmap(MunmapProblem problem)
        {
            if (!_munmaps.ContainsKey(problem.Call))
            {
                _munmaps.Add(problem.Call, problem);
            }
        }

        public void UncheckedUse(MappingSite site, SyntaxNode use) => Add(_uses, site, use);

        public void Compared(MappingSite site, ComparedWith kind, SyntaxNode comparison)
        {
            if (kind == ComparedWith.Null)
            {
                Add(_nullComparisons, site, comparison);
            }
            else if (kind != ComparedWith.Nothing)
            {
                _failureCompared.Add(site);
            }
        }

        private static void Add(Dictionary<MappingSite, List<SyntaxNode>> map, MappingSite site, SyntaxNode node)
        {
            if (!map.TryGetValue(site, out List<SyntaxNode>? list))
            {
                map[site] = list = new List<SyntaxNode>();
            }

            if (!list.Contains(node))
            {
                list.Add(node);
            }
        }

        /// <param name="failureSpelling">How the code fix writes MAP_FAILED for a comparison (null: no fix).</param>
        /// <summary>
        /// Reports every finding. Additional locations: the mmap call, then (for a wrong or zero length whose mapping has
        /// one length expression) that expression and the munmap's length, which the code fix replaces with it.
        /// </summary>
        public void Report(Action<Diagnostic> report)
        {
            foreach (MunmapProblem problem in _munmaps.Values)
            {
                ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty;
                var additional = new List<Location>();
                if (problem.Site is { } site)
                {
                    additional.Add(site.Call.GetLocation());
                    if (problem.Length is { } unmapped && site.LengthSyntax is { } length)
                    {
                        additional.Add(length.GetLocation());
                        additional.Add(unmapped.GetLocation());
                        properties = properties.Add(WholeMappingMunmapRule.MappingLengthKey, length.ToString());
                    }
                }

                report(Diagnostic.Create(problem.Descriptor, problem.Call.GetLocation(), additional, properties, problem.Arguments));
            }

            foreach (KeyValuePair<MappingSite, List<SyntaxNode>> pair in _nullComparisons)
            {
                if (_failureCompared.Contains(pair.Key) || !pair.Key.NeedsCheck)
                {
                    continue; // A defensive NULL check next to a MAP_FAILED one, or of a wrapper that handles failure, is fine.
                }

                foreach (SyntaxNode comparison in pair.Value)
                {
                    report(Diagnostic.Create(FailureCheckRule.NullCheck, comparison.GetLocation(), new[] { pair.Key.Call.GetLocation() }, pair.Key.Function, Line(pair.Key.Call)));
                }
            }

            foreach (KeyValuePair<MappingSite, List<SyntaxNode>> pair in _uses)
            {
                foreach (SyntaxNode use in pair.Value)
                {
                    report(Diagnostic.Create(FailureCheckRule.UncheckedUse, use.GetLocation(), new[] { pair.Key.Call.GetLocation() }, pair.Key.Function, Line(pair.Key.Call)));
                }
            }
        }

        private static string Line(SyntaxNode node) => (node.GetLocation().GetLineSpan().StartLinePosition.Line + 1).ToString(CultureInfo.InvariantCulture);
    }
}

using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>What <see cref="OsConditions.ExcludedOnTarget"/> learned about one body, for its other calls.</summary>
    internal sealed class Reachability
    {
        /// <summary>Per block or switch section, where its guards that leave on the target and its labels start.</summary>
        public Dictionary<SyntaxNode, GuardsAndLabels> Guards { get; } = new Dictionary<SyntaxNode, GuardsAndLabels>();

        /// <summary>Per member, whether its platform attributes exclude the target.</summary>
        public Dictionary<SyntaxNode, bool> ExcludedMembers { get; } = new Dictionary<SyntaxNode, bool>();
    }

    /// <summary>The positions, in source order, of a block's guards that leave on the target and of its labels.</summary>
    internal sealed class GuardsAndLabels
    {
        private readonly int[] _guards;
        private readonly int[] _labels;

        public GuardsAndLabels(int[] guards, int[] labels)
        {
            _guards = guards;
            _labels = labels;
        }

        /// <summary>Whether a guard before <paramref name="position"/> leaves with no label after it up to there.</summary>
        public bool GuardReaches(int position)
        {
            int lastLabel = -1;
            int i = System.Array.BinarySearch(_labels, position);
            i = i >= 0 ? i : ~i - 1; // the last label at or before the position
            if (i >= 0)
            {
                lastLabel = _labels[i];
            }

            int g = System.Array.BinarySearch(_guards, lastLabel);
            g = g >= 0 ? g + 1 : ~g; // the first guard after that label
            return g < _guards.Length && _guards[g] < position;
        }
    }
}

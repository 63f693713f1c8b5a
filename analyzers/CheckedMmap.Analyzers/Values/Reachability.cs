using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>What <see cref="OsConditions.ExcludedOnTarget"/> learned about one body, for its other calls.</summary>
    internal sealed class Reachability
    {
        /// <summary>Per block, where its first guard that leaves on the target starts (int.MaxValue: none).</summary>
        public Dictionary<BlockSyntax, int> LeavingGuards { get; } = new Dictionary<BlockSyntax, int>();

        /// <summary>Per member, whether its platform attributes exclude the target.</summary>
        public Dictionary<SyntaxNode, bool> ExcludedMembers { get; } = new Dictionary<SyntaxNode, bool>();
    }
}

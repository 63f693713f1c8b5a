using System;
using System.Collections.Generic;
using System.Threading;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CheckedMmap.Analyzers.Values
{
    internal static partial class OsConditions
    {
        /// <summary>
        /// Whether a call cannot run on the target OS, so that judging its arguments by the target's numbers would be
        /// wrong: it sits in the branch of a platform check the target does not take (<c>if (OperatingSystem.IsMacOS())
        /// { mmap(…, 0x1002, …) }</c>, the else of <c>IsLinux()</c>, a ternary or <c>&amp;&amp;</c> operand), after a guard
        /// that leaves on the target (<c>if (!OperatingSystem.IsMacOS()) return;</c>), or in a method or type whose
        /// <c>[SupportedOSPlatform]</c> attributes exclude the target (or whose <c>[UnsupportedOSPlatform]</c> names it).
        /// Conditions are read as <see cref="Evaluate(Microsoft.CodeAnalysis.IOperation?, TargetOS, SemanticModelProvider?)"/> reads them; the
        /// walk stops at a lambda or local function, whose body runs where it is called. <paramref name="known"/> keeps
        /// what was learned about the body's blocks and member (the calls of one body share it, so a block of thousands
        /// of calls and checks is read once, not once per call).
        /// </summary>
        public static bool ExcludedOnTarget(SyntaxNode call, SemanticModel model, TargetOS target, SemanticModelProvider? models,
            Reachability? known, CancellationToken cancellationToken) =>
            ExcludedOnTarget(call, model, target, models, known, 0, cancellationToken);

        /// <summary>How many labels reached only by <c>goto</c> are followed back to their gotos.</summary>
        private const int MaxGotoDepth = 4;

        private static bool ExcludedOnTarget(SyntaxNode call, SemanticModel model, TargetOS target, SemanticModelProvider? models,
            Reachability? known, int gotoDepth, CancellationToken cancellationToken)
        {
            SyntaxNode child = call;
            for (SyntaxNode? node = call.Parent; node is not null; child = node, node = node.Parent)
            {
                if (PathConditions.TryConditionOf(node, child, out ExpressionSyntax condition, out bool reachedWhen))
                {
                    if (Decide(condition, model, target, models, cancellationToken) == !reachedWhen)
                    {
                        return true;
                    }

                    continue;
                }

                switch (node)
                {
                    case BlockSyntax block when child is StatementSyntax statement:
                        if (LeavesBefore(block, block.Statements, statement, model, target, models, known?.Guards, cancellationToken))
                        {
                            return true;
                        }

                        break;
                    case SwitchSectionSyntax section when child is StatementSyntax statement:
                        if (LeavesBefore(section, section.Statements, statement, model, target, models, known?.Guards, cancellationToken))
                        {
                            return true;
                        }

                        break;
                    case SwitchStatementSyntax switchStatement when child is SwitchSectionSyntax section:
                        // switch (OperatingSystem.IsMacOS()) { case true: … }: a section whose cases are all the other value.
                        if (Decide(switchStatement.Expression, model, target, models, cancellationToken) is bool value
                            && OnlyOtherCases(section, value, model, cancellationToken))
                        {
                            return true;
                        }

                        break;
                    case LabeledStatementSyntax labeled when gotoDepth < MaxGotoDepth && OnlyJumpedTo(labeled)
                        && GotosTo(labeled) is { Count: > 0 } gotos
                        && gotos.TrueForAll(jump => ExcludedOnTarget(jump, model, target, models, known, gotoDepth + 1, cancellationToken)):
                        // `linux:` after a statement that always leaves is reached only by its gotos: when the target runs
                        // none of them (if (!OperatingSystem.IsMacOS()) goto linux; under macOS), it never runs the label.
                        return true;
                    case AnonymousFunctionExpressionSyntax:
                        // A lambda's body runs only if the lambda was made: the conditions around where it is written hold.
                        break;
                    case LocalFunctionStatementSyntax:
                        return false; // callable from anywhere in its method, before or after where it is written
                    case MemberDeclarationSyntax member:
                        if (known is null || !known.ExcludedMembers.TryGetValue(member, out bool excluded))
                        {
                            excluded = model.GetEnclosingSymbol(call.SpanStart, cancellationToken) is { } symbol && ExcludedByAttributes(symbol, target);
                            if (known is not null)
                            {
                                known.ExcludedMembers[member] = excluded;
                            }
                        }

                        return excluded;
                }
            }

            return false;
        }

        /// <summary>Whether control cannot fall into the labeled statement: the statement before it in its block always leaves.</summary>
        private static bool OnlyJumpedTo(LabeledStatementSyntax labeled) =>
            labeled.Parent is BlockSyntax block && block.Statements.IndexOf(labeled) is int index and > 0 && Leaves(block.Statements[index - 1]);

        /// <summary>The <c>goto</c> statements of the member that jump to the label.</summary>
        private static List<GotoStatementSyntax> GotosTo(LabeledStatementSyntax labeled)
        {
            var gotos = new List<GotoStatementSyntax>();
            SyntaxNode? member = labeled.FirstAncestorOrSelf<SyntaxNode>(n => n is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax);
            if (member is null)
            {
                return gotos;
            }

            string name = labeled.Identifier.ValueText;
            foreach (SyntaxNode node in member.DescendantNodes())
            {
                if (node is GotoStatementSyntax { Expression: IdentifierNameSyntax target } jump && jump.IsKind(SyntaxKind.GotoStatement) && target.Identifier.ValueText == name)
                {
                    gotos.Add(jump);
                }
            }

            return gotos;
        }

        /// <summary>True when every label of the section is a <c>case</c> of a bool constant other than <paramref name="value"/>.</summary>
        private static bool OnlyOtherCases(SwitchSectionSyntax section, bool value, SemanticModel model, CancellationToken cancellationToken)
        {
            foreach (SwitchLabelSyntax label in section.Labels)
            {
                if (label is not CaseSwitchLabelSyntax { Value: { } constant }
                    || model.GetConstantValue(constant, cancellationToken) is not { HasValue: true, Value: bool matched } || matched == value)
                {
                    return false;
                }
            }

            return true;
        }

        private static bool? Decide(ExpressionSyntax condition, SemanticModel model, TargetOS target, SemanticModelProvider? models, CancellationToken cancellationToken) =>
            Evaluate(model.GetOperation(condition, cancellationToken), target, models);

        /// <summary>
        /// An earlier statement of the block (or switch section) is a guard that leaves on the target, <c>if (c)
        /// return/throw/break/continue/yield break/goto …;</c> with c true there, and no label stands between that guard
        /// and the statement (a <c>goto</c> could reach the statement past the guard).
        /// </summary>
        private static bool LeavesBefore(SyntaxNode container, SyntaxList<StatementSyntax> statements, StatementSyntax statement, SemanticModel model,
            TargetOS target, SemanticModelProvider? models, Dictionary<SyntaxNode, GuardsAndLabels>? known, CancellationToken cancellationToken)
        {
            if (known is null || !known.TryGetValue(container, out GuardsAndLabels? marks))
            {
                var guards = new List<int>();
                var labels = new List<int>();
                foreach (StatementSyntax each in statements)
                {
                    if (each is LabeledStatementSyntax)
                    {
                        labels.Add(each.SpanStart);
                    }
                    else if (each is IfStatementSyntax { Else: null } guard && Leaves(guard.Statement)
                        && Decide(guard.Condition, model, target, models, cancellationToken) == true)
                    {
                        guards.Add(each.SpanStart);
                    }
                }

                marks = new GuardsAndLabels(guards.ToArray(), labels.ToArray());
                if (known is not null)
                {
                    known[container] = marks;
                }
            }

            return marks.GuardReaches(statement.SpanStart);
        }

        /// <summary>Whether a statement always leaves where it stands: return, throw, break, continue, goto, yield break, or a block ending in one.</summary>
        internal static bool Leaves(StatementSyntax statement) => statement switch
        {
            ReturnStatementSyntax or ThrowStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax or GotoStatementSyntax => true,
            YieldStatementSyntax yield => yield.IsKind(SyntaxKind.YieldBreakStatement),
            ExpressionStatementSyntax { Expression: ThrowExpressionSyntax } => true,
            BlockSyntax { Statements.Count: > 0 } block => Leaves(block.Statements[block.Statements.Count - 1]),
            _ => false,
        };

        /// <summary>[SupportedOSPlatform] on the member or its types that names no platform of the target, or
        /// [UnsupportedOSPlatform] that names it.</summary>
        private static bool ExcludedByAttributes(ISymbol symbol, TargetOS target)
        {
            for (ISymbol? current = symbol; current is not null; current = current.ContainingSymbol)
            {
                if (current is INamespaceSymbol)
                {
                    break;
                }

                bool anySupported = false, targetSupported = false;
                foreach (AttributeData attribute in current.GetAttributes())
                {
                    // An array argument (params object[] of a test's data attribute) has no Value: TypedConstant throws.
                    string? name = attribute.AttributeClass?.ToDisplayString();
                    if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array
                        || attribute.ConstructorArguments[0].Value is not string platform)
                    {
                        continue;
                    }

                    if (name == "System.Runtime.Versioning.SupportedOSPlatformAttribute")
                    {
                        anySupported = true;
                        targetSupported |= Names(platform, target);
                    }
                    else if (name == "System.Runtime.Versioning.UnsupportedOSPlatformAttribute" && Names(platform, target)
                        && !HasVersion(platform))
                    {
                        return true;
                    }
                }

                if (anySupported && !targetSupported)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether a platform name ("linux", "macos14.0", "osx", "freebsd") is the target.</summary>
        private static bool Names(string platform, TargetOS target)
        {
            string name = platform.TrimEnd('.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
            return target switch
            {
                TargetOS.Linux => name.Equals("linux", StringComparison.OrdinalIgnoreCase),
                TargetOS.MacOS => name.Equals("macos", StringComparison.OrdinalIgnoreCase) || name.Equals("osx", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("maccatalyst", StringComparison.OrdinalIgnoreCase),
                TargetOS.FreeBSD => name.Equals("freebsd", StringComparison.OrdinalIgnoreCase),
                _ => false,
            };
        }

        // [UnsupportedOSPlatform("macos14.0")] means "from that version on": the call may still run on earlier ones.
        private static bool HasVersion(string platform) => platform.Length > 0 && char.IsDigit(platform[platform.Length - 1]);
    }
}

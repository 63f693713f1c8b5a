using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// Locals of very large bodies, without a control flow graph. Roslyn's graph builder takes more than linear time in
    /// the blocks of one method (thousands of mmap calls in one generated method take seconds), so past
    /// <see cref="LargeBodyLength"/> characters a local is followed backwards from its read, statement by statement: an
    /// assignment or an initialized declaration defines it, a compound assignment (<c>flags |= X</c>) applies to it, an
    /// <c>if</c> without <c>else</c> around one compound assignment may apply it, and statements that do not write it
    /// are passed; the walk climbs out of blocks and <c>if</c> branches. Anything else (a loop or switch around the read,
    /// a label, a write it does not model, a local whose address or reference is taken, one written in a lambda or a
    /// catch/finally block, one compared or matched anywhere, which the dataflow would narrow) leaves the value unknown,
    /// and an unknown value is never reported.
    /// </summary>
    internal sealed partial class LocalValueAnalysis
    {
        /// <summary>Bodies longer than this (in characters of source) are followed without a control flow graph.</summary>
        internal const int LargeBodyLength = 100_000;

        /// <summary>How many statements the walk passes before it gives up (the cost per read stays bounded).</summary>
        private const int MaxStatementsWalked = 256;

        private readonly Dictionary<BlockSyntax, Dictionary<StatementSyntax, int>> _statementIndexes = new Dictionary<BlockSyntax, Dictionary<StatementSyntax, int>>();

        private bool IsLargeBody => _body.Body is { } body && body.Span.Length > LargeBodyLength;

        private enum StepResult
        {
            Passed,
            Defined,
            Unknown,
        }

        private ValueSet ValueFromStatements(ILocalReferenceOperation reference)
        {
            ILocalSymbol local = reference.Local;
            if (_body.Body is not { } body || reference.SemanticModel is not { } model || _singleDefinitionDepth > 8
                || _body.IsTestedIn(body, local.Name) || _body.IsAliasedIn(body, local.Name))
            {
                return ValueSet.Unknown;
            }

            StatementSyntax? current = reference.Syntax.FirstAncestorOrSelf<StatementSyntax>();
            for (SyntaxNode? node = reference.Syntax; node is not null && node != current; node = node.Parent)
            {
                if (node is AnonymousFunctionExpressionSyntax)
                {
                    return ValueSet.Unknown; // read in a lambda: it runs whenever it is invoked
                }
            }

            if (current is null || current is LocalFunctionStatementSyntax || _body.IsWrittenIn(current, local.Name))
            {
                return ValueSet.Unknown;
            }

            var steps = new List<(ICompoundAssignmentOperation Operation, bool Optional)>();
            int walked = 0;
            while (true)
            {
                switch (current.Parent)
                {
                    case BlockSyntax block:
                        int index = IndexIn(block, current);
                        for (int i = index - 1; i >= 0; i--)
                        {
                            if (++walked > MaxStatementsWalked)
                            {
                                return ValueSet.Unknown;
                            }

                            switch (Step(block.Statements[i], local, model, steps, out IOperation? definition))
                            {
                                case StepResult.Defined:
                                    return Compose(definition!, local, steps);
                                case StepResult.Unknown:
                                    return ValueSet.Unknown;
                            }
                        }

                        current = block;
                        break;
                    case IfStatementSyntax branch when branch.Statement == current && !_body.IsWrittenIn(branch.Condition, local.Name):
                        current = branch;
                        break;
                    case ElseClauseSyntax { Parent: IfStatementSyntax branch } when !_body.IsWrittenIn(branch.Condition, local.Name):
                        current = branch;
                        break;
                    default:
                        return ValueSet.Unknown; // the start of the body, a loop, a switch, a try, a label, ...
                }
            }
        }

        /// <summary>What one earlier statement does to the local.</summary>
        private StepResult Step(StatementSyntax statement, ILocalSymbol local, SemanticModel model, List<(ICompoundAssignmentOperation, bool)> steps, out IOperation? definition)
        {
            definition = null;
            if (statement is LabeledStatementSyntax)
            {
                return StepResult.Unknown; // a jump may land here, past whatever defined the local before
            }

            if (!_body.IsWrittenIn(statement, local.Name) && !Declares(statement, local.Name))
            {
                return StepResult.Passed;
            }

            switch (model.GetOperation(statement))
            {
                case IExpressionStatementOperation { Operation: ISimpleAssignmentOperation { IsRef: false } assignment }
                    when IsLocal(assignment.Target, local) && !_body.IsWrittenIn(assignment.Value.Syntax, local.Name):
                    definition = assignment.Value;
                    return StepResult.Defined;
                case IExpressionStatementOperation { Operation: ICompoundAssignmentOperation compound }
                    when IsLocal(compound.Target, local) && !_body.IsWrittenIn(compound.Value.Syntax, local.Name):
                    steps.Add((compound, false));
                    return StepResult.Passed;
                case IVariableDeclarationGroupOperation group:
                    foreach (IVariableDeclarationOperation declaration in group.Declarations)
                    {
                        foreach (IVariableDeclaratorOperation declarator in declaration.Declarators)
                        {
                            if (SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
                            {
                                // Declared here and not written again in the same statement (another declarator's initializer).
                                IVariableInitializerOperation? initializer = declarator.Initializer ?? declaration.Initializer;
                                definition = initializer?.Value;
                                return definition is not null && !_body.IsWrittenIn(statement, local.Name) ? StepResult.Defined : StepResult.Unknown;
                            }
                        }
                    }

                    return StepResult.Unknown; // another declaration's initializer writes it
                case IConditionalOperation { WhenFalse: null, WhenTrue: { } whenTrue } conditional
                    when !_body.IsWrittenIn(conditional.Condition.Syntax, local.Name) && SingleCompound(whenTrue, local) is { } maybe:
                    steps.Add((maybe, true));
                    return StepResult.Passed;
                default:
                    return StepResult.Unknown;
            }
        }

        private ICompoundAssignmentOperation? SingleCompound(IOperation statement, ILocalSymbol local)
        {
            if (statement is IBlockOperation { Operations.Length: 1 } block)
            {
                statement = block.Operations[0];
            }

            return statement is IExpressionStatementOperation { Operation: ICompoundAssignmentOperation compound }
                && IsLocal(compound.Target, local) && !_body.IsWrittenIn(compound.Value.Syntax, local.Name)
                ? compound
                : null;
        }

        /// <summary>The definition's value, then each compound assignment after it in order (a "may" one joins both outcomes).</summary>
        private ValueSet Compose(IOperation definition, ILocalSymbol local, List<(ICompoundAssignmentOperation Operation, bool Optional)> steps)
        {
            _singleDefinitionDepth++;
            try
            {
                ValueSet value = new ValueEvaluator(_scope, this).Evaluate(definition);
                for (int i = steps.Count - 1; i >= 0 && value.IsKnown; i--)
                {
                    (ICompoundAssignmentOperation operation, bool optional) = steps[i];
                    ValueSet applied = new ValueEvaluator(_scope, new OneLocal(local, value, this)).Evaluate(operation);
                    value = optional ? value.Union(applied) : applied;
                }

                return value.IsKnown ? value : ValueSet.Unknown;
            }
            finally
            {
                _singleDefinitionDepth--;
            }
        }

        private int IndexIn(BlockSyntax block, StatementSyntax statement)
        {
            if (!_statementIndexes.TryGetValue(block, out Dictionary<StatementSyntax, int>? indexes))
            {
                indexes = new Dictionary<StatementSyntax, int>();
                for (int i = 0; i < block.Statements.Count; i++)
                {
                    indexes[block.Statements[i]] = i;
                }

                _statementIndexes.Add(block, indexes);
            }

            return indexes[statement];
        }

        private static bool Declares(StatementSyntax statement, string name)
        {
            if (statement is LocalDeclarationStatementSyntax declaration)
            {
                foreach (VariableDeclaratorSyntax variable in declaration.Declaration.Variables)
                {
                    if (variable.Identifier.ValueText == name)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static bool IsLocal(IOperation target, ILocalSymbol local) =>
            target is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local);

        /// <summary>The walked local's value so far; every other variable as the analysis knows it.</summary>
        private sealed class OneLocal : ILocalValueSource
        {
            private readonly ILocalSymbol _local;
            private readonly ValueSet _value;
            private readonly LocalValueAnalysis _others;

            public OneLocal(ILocalSymbol local, ValueSet value, LocalValueAnalysis others)
            {
                _local = local;
                _value = value;
                _others = others;
            }

            public ValueSet ValueOf(ILocalReferenceOperation reference) =>
                SymbolEqualityComparer.Default.Equals(reference.Local, _local) ? _value : _others.ValueOf(reference);

            public ValueSet ValueOf(IParameterReferenceOperation reference) => _others.ValueOf(reference);

            public ValueSet ValueOf(IFlowCaptureReferenceOperation capture) => ValueSet.Unknown;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>
    /// Where the structured walk may drop what it knows of a local or parameter because no later operation reads it.
    /// Without this a state holds every variable the body ever wrote and every mapping they ever held, and a method with
    /// thousands of mappings pays the depth of all of them at every write and join, and keeps them all in memory.
    /// <list type="bullet">
    /// <item>After the statement of the block that declares the variable (the body's outermost block for a parameter)
    /// that holds its last reference. A loop that reads it again on its next pass lies inside that statement: a loop
    /// outside it would hold the block, and with it the declaration, in its body, and each pass would declare it anew.
    /// So does a <c>for</c> loop's step, which runs after the body that follows it in the source.</item>
    /// <item>At the head and the exit of the innermost loop whose body declares it: each pass declares it anew, and C#'s
    /// definite assignment lets no pass read what an earlier one wrote. A <c>continue</c> or <c>break</c> carries it
    /// there past the statement that would drop it.</item>
    /// </list>
    /// A variable referenced outside every block (a constructor initializer), or declared in a way this does not follow, is
    /// dropped late or never: keeping a fact is what the walk did anyway.
    /// </summary>
    internal sealed class DeadVariables
    {
        private readonly Dictionary<IOperation, List<ISymbol>> _afterStatement = new Dictionary<IOperation, List<ISymbol>>();
        private readonly Dictionary<ILoopOperation, List<ISymbol>> _declaredInBody = new Dictionary<ILoopOperation, List<ISymbol>>();

        private DeadVariables()
        {
        }

        /// <summary>The variables no operation reads after this statement of a block, or null.</summary>
        public List<ISymbol>? After(IOperation statement) => _afterStatement.TryGetValue(statement, out List<ISymbol>? dead) ? dead : null;

        /// <summary>The variables the loop's body declares (dead at the loop's head and exit), or null.</summary>
        public List<ISymbol>? DeclaredInBody(ILoopOperation loop) => _declaredInBody.TryGetValue(loop, out List<ISymbol>? declared) ? declared : null;

        /// <summary>
        /// One walk over the body, with explicit stacks (generated bodies nest expressions thousands deep), that also
        /// answers whether the walk can follow the body at all: null as soon as an operation is one
        /// <paramref name="notFollowed"/> names. <paramref name="operations"/> counts the operations below the body.
        /// </summary>
        public static DeadVariables? Find(IOperation body, Func<IOperation, bool> notFollowed, out int operations, CancellationToken cancellationToken)
        {
            var finder = new Finder();
            bool complete = finder.Walk(body, notFollowed, out operations, cancellationToken);
            return complete ? finder.Result() : null;
        }

        /// <summary>What the walk learned of one variable.</summary>
        private sealed class Variable
        {
            /// <summary>The block that declares it (the body's outermost for a parameter), and its depth among the blocks.</summary>
            public IBlockOperation? Block;
            public int Level;

            /// <summary>The statement of <see cref="Block"/> that holds its last reference.</summary>
            public IOperation? LastStatement;

            /// <summary>Never dropped: referenced where the walk cannot place it.</summary>
            public bool Kept;
        }

        private sealed class Finder
        {
            private readonly Dictionary<ISymbol, Variable> _variables = new Dictionary<ISymbol, Variable>(SymbolEqualityComparer.Default);
            private readonly DeadVariables _result = new DeadVariables();

            // The blocks around the operation at hand, outermost first, with the statement of each that holds it.
            private readonly List<IBlockOperation> _blocks = new List<IBlockOperation>();
            private readonly List<IOperation?> _statements = new List<IOperation?>();

            // The loops around it, outermost first, and whether it is in each one's body (not its header).
            private readonly List<ILoopOperation> _loops = new List<ILoopOperation>();
            private readonly List<bool> _inBody = new List<bool>();

            /// <summary>False when it stops at an operation <paramref name="notFollowed"/> names.</summary>
            public bool Walk(IOperation root, Func<IOperation, bool> notFollowed, out int visited, CancellationToken cancellationToken)
            {
                var stack = new Stack<(IOperation Operation, IOperation.OperationList.Enumerator Children)>();
                Enter(root, parent: null);
                stack.Push((root, root.ChildOperations.GetEnumerator()));
                visited = 0;
                while (stack.Count > 0)
                {
                    (IOperation operation, IOperation.OperationList.Enumerator children) = stack.Pop();
                    if (children.MoveNext())
                    {
                        stack.Push((operation, children));
                        IOperation child = children.Current;
                        if ((++visited & 0xFFF) == 0)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                        }

                        if (notFollowed(child))
                        {
                            return false;
                        }

                        Enter(child, operation);
                        stack.Push((child, child.ChildOperations.GetEnumerator()));
                    }
                    else
                    {
                        Leave(operation);
                    }
                }

                return true;
            }

            private void Enter(IOperation operation, IOperation? parent)
            {
                if (parent is IBlockOperation)
                {
                    _statements[_statements.Count - 1] = operation;
                }
                else if (parent is ILoopOperation loop)
                {
                    _inBody[_inBody.Count - 1] = ReferenceEquals(operation, loop.Body);
                }

                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator:
                        Declare(declarator.Symbol);
                        Reference(declarator.Symbol);
                        break;
                    case ILocalReferenceOperation { Local.RefKind: RefKind.None } local:
                        if (local.IsDeclaration)
                        {
                            Declare(local.Local);
                        }

                        Reference(local.Local);
                        break;
                    case IParameterReferenceOperation { Parameter.RefKind: RefKind.None } parameter:
                        Reference(parameter.Parameter);
                        break;
                    case IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol declared }:
                        DeclareAndReference(declared);
                        break;
                    case IRecursivePatternOperation { DeclaredSymbol: ILocalSymbol declared }:
                        DeclareAndReference(declared);
                        break;
                    case IListPatternOperation { DeclaredSymbol: ILocalSymbol declared }:
                        DeclareAndReference(declared);
                        break;
                }

                if (operation is IBlockOperation block)
                {
                    _blocks.Add(block);
                    _statements.Add(null);
                }
                else if (operation is ILoopOperation enteredLoop)
                {
                    _loops.Add(enteredLoop);
                    _inBody.Add(false);
                }
            }

            private void Leave(IOperation operation)
            {
                if (operation is IBlockOperation)
                {
                    _blocks.RemoveAt(_blocks.Count - 1);
                    _statements.RemoveAt(_statements.Count - 1);
                }
                else if (operation is ILoopOperation)
                {
                    _loops.RemoveAt(_loops.Count - 1);
                    _inBody.RemoveAt(_inBody.Count - 1);
                }
            }

            private void DeclareAndReference(ILocalSymbol local)
            {
                Declare(local);
                Reference(local);
            }

            private void Declare(ISymbol symbol)
            {
                if (_variables.TryGetValue(symbol, out Variable? seen))
                {
                    // Referenced before its declaration in this walk's order: not a variable it can place.
                    seen.Kept = true;
                    return;
                }

                var variable = new Variable();
                _variables[symbol] = variable;
                if (_blocks.Count == 0)
                {
                    variable.Kept = true;
                    return;
                }

                variable.Level = _blocks.Count - 1;
                variable.Block = _blocks[variable.Level];
                // The innermost loop whose body declares it: not one whose header does (for (int i = 0; …)).
                int bodyLoops = _loops.Count > 0 && !_inBody[_inBody.Count - 1] ? _loops.Count - 1 : _loops.Count;
                if (bodyLoops > 0 && symbol is ILocalSymbol)
                {
                    ILoopOperation declaring = _loops[bodyLoops - 1];
                    if (!_result._declaredInBody.TryGetValue(declaring, out List<ISymbol>? declared))
                    {
                        _result._declaredInBody[declaring] = declared = new List<ISymbol>();
                    }

                    declared.Add(symbol);
                }
            }

            private void Reference(ISymbol symbol)
            {
                if (!_variables.TryGetValue(symbol, out Variable? variable))
                {
                    // A parameter, or a local declared in a way not followed: declared before the body's first statement.
                    variable = new Variable { Level = 0, Block = _blocks.Count > 0 ? _blocks[0] : null };
                    variable.Kept = variable.Block is null;
                    _variables[symbol] = variable;
                }

                if (variable.Kept)
                {
                    return;
                }

                if (_blocks.Count <= variable.Level || !ReferenceEquals(_blocks[variable.Level], variable.Block) || _statements[variable.Level] is not { } statement)
                {
                    variable.Kept = true;
                    return;
                }

                // The walk meets a block's statements in order.
                variable.LastStatement = statement;
            }

            public DeadVariables Result()
            {
                foreach (KeyValuePair<ISymbol, Variable> pair in _variables)
                {
                    if (pair.Value is { Kept: false, LastStatement: { } statement })
                    {
                        if (!_result._afterStatement.TryGetValue(statement, out List<ISymbol>? dead))
                        {
                            _result._afterStatement[statement] = dead = new List<ISymbol>();
                        }

                        dead.Add(pair.Key);
                    }
                }

                return _result;
            }
        }
    }
}

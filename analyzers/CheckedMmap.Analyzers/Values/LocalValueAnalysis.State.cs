using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Values
{
    internal sealed partial class LocalValueAnalysis
    {
        /// <summary>
        /// Values of locals (keyed by symbol) and flow captures (keyed by CaptureId) at one program point, immutable. Each
        /// state remembers the state it was made from and which keys changed since, so that merging two states that share
        /// an ancestor (the two arms of an if) looks only at the keys either arm wrote, not at every local of the body.
        /// </summary>
        private sealed class State
        {
            private const int AncestorSearchDepth = 32;

            public static readonly State Initial = new State(ImmutableDictionary.Create<object, ValueSet>(KeyComparer.Instance), null, Array.Empty<object>());

            public State(ImmutableDictionary<object, ValueSet> values, State? parent, object[] changed)
            {
                Values = values;
                Parent = parent;
                Changed = changed;
            }

            public ImmutableDictionary<object, ValueSet> Values { get; }

            public State? Parent { get; }

            /// <summary>The keys whose value differs from <see cref="Parent"/>'s.</summary>
            public object[] Changed { get; }

            /// <summary>This state joined with another; this very instance when the join adds nothing.</summary>
            public State Merge(State other)
            {
                if (ReferenceEquals(this, other))
                {
                    return this;
                }

                IEnumerable<object> keys = KeysThatMayDiffer(other) ?? other.Values.Keys.Concat(Values.Keys.Where(k => k is IParameterSymbol));
                ImmutableDictionary<object, ValueSet>.Builder? builder = null;
                List<object>? changed = null;
                foreach (object key in keys)
                {
                    // A local one side never set had no definition reach it there (nothing to add); a parameter one side
                    // never set holds whatever the caller passed, so a check on the other side (fd != -1) proves nothing.
                    bool mineSet = Values.TryGetValue(key, out ValueSet? mine);
                    if (!other.Values.TryGetValue(key, out ValueSet? theirs))
                    {
                        if (key is not IParameterSymbol || !mineSet)
                        {
                            continue; // a key the other side never set leaves ours as it is
                        }

                        theirs = ValueSet.Unknown;
                    }

                    ValueSet merged = mineSet ? mine!.Union(theirs) : key is IParameterSymbol ? ValueSet.Unknown : theirs;
                    if (mine is null || !merged.Equals(mine))
                    {
                        (builder ??= Values.ToBuilder())[key] = merged;
                        (changed ??= new List<object>()).Add(key);
                    }
                }

                return builder is null ? this : new State(builder.ToImmutable(), this, changed!.ToArray());
            }

            /// <summary>
            /// The keys written on either side since the nearest common ancestor of the two states (within a few steps),
            /// or null when there is none near: then every key of the other state is compared.
            /// </summary>
            private IEnumerable<object>? KeysThatMayDiffer(State other)
            {
                var mine = new Dictionary<State, int>(StateIdentity.Instance);
                int depth = 0;
                for (State? s = this; s is not null && depth < AncestorSearchDepth; s = s.Parent, depth++)
                {
                    mine[s] = depth;
                }

                var keys = new HashSet<object>(KeyComparer.Instance);
                depth = 0;
                for (State? s = other; s is not null && depth < AncestorSearchDepth; s = s.Parent, depth++)
                {
                    if (mine.TryGetValue(s, out int ourDepth))
                    {
                        State? ours = this;
                        for (int i = 0; i < ourDepth; i++, ours = ours!.Parent)
                        {
                            keys.UnionWith(ours!.Changed);
                        }

                        return keys;
                    }

                    keys.UnionWith(s.Changed);
                }

                return null;
            }
        }

        /// <summary>A state being moved forward through operations: the persistent map plus the keys written so far.</summary>
        private sealed class StateWriter
        {
            private readonly State _origin;
            private ImmutableDictionary<object, ValueSet> _values;
            private HashSet<object>? _changed;

            public StateWriter(State origin)
            {
                _origin = origin;
                _values = origin.Values;
            }

            /// <summary>A local no definition reached is Empty (never reported); a capture nobody set is Unknown.</summary>
            /// <summary>A parameter nobody wrote is whatever the caller passed: Unknown.</summary>
            public ValueSet Get(ISymbol variable) =>
                _values.TryGetValue(variable, out ValueSet? v) ? v : variable is IParameterSymbol ? ValueSet.Unknown : ValueSet.Empty;

            public ValueSet Get(CaptureId id) => _values.TryGetValue(id, out ValueSet? v) ? v : ValueSet.Unknown;

            public void Set(ISymbol variable, ValueSet value) => Set((object)variable, value);

            public void Set(CaptureId id, ValueSet value) => Set((object)id, value);

            private void Set(object key, ValueSet value)
            {
                if (_values.TryGetValue(key, out ValueSet? old) && old.Equals(value))
                {
                    return;
                }

                _values = _values.SetItem(key, value);
                (_changed ??= new HashSet<object>(KeyComparer.Instance)).Add(key);
            }

            /// <summary>A writer that starts where this one is and leaves it untouched (the persistent map is shared).</summary>
            public StateWriter Fork() => new StateWriter(_origin) { _values = _values };

            /// <summary>The state reached: the origin itself when nothing was written.</summary>
            public State Snapshot() => _changed is null ? _origin : new State(_values, _origin, _changed.ToArray());
        }

        private sealed class StateIdentity : IEqualityComparer<State>
        {
            public static readonly StateIdentity Instance = new StateIdentity();

            public bool Equals(State? x, State? y) => ReferenceEquals(x, y);

            public int GetHashCode(State obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }

        private sealed class KeyComparer : IEqualityComparer<object>
        {
            public static readonly KeyComparer Instance = new KeyComparer();

            public new bool Equals(object? x, object? y) =>
                x is ISymbol sx && y is ISymbol sy ? SymbolEqualityComparer.Default.Equals(sx, sy) : object.Equals(x, y);

            public int GetHashCode(object obj) => obj is ISymbol s ? SymbolEqualityComparer.Default.GetHashCode(s) : obj.GetHashCode();
        }
    }
}

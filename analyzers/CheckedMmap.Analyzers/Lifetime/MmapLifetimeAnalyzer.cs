using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Configuration;
using CheckedMmap.Analyzers.Functions;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Values;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>
    /// MMAP008 and MMAP009: what happens to a mapping after mmap returns it. A flow analysis (<see cref="LifetimeFlow"/>)
    /// runs only in bodies that call an mmap binding (or a wrapper returning mmap's result) or munmap; files whose text
    /// names neither are never walked or bound, as for MMAP001-007.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class MmapLifetimeAnalyzer : CompilationStartAnalyzer
    {

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            WholeMappingMunmapRule.WrongLength,
            WholeMappingMunmapRule.LongerLength,
            WholeMappingMunmapRule.ZeroLength,
            WholeMappingMunmapRule.Interior,
            WholeMappingMunmapRule.NotMapping,
            WholeMappingMunmapRule.Twice,
            WholeMappingMunmapRule.ReleasedByMremap,
            FailureCheckRule.NullCheck,
            FailureCheckRule.UncheckedUse);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            // A mapping can be traced only where mmap is called: only files that call mmap (or a wrapper of it) are
            // followed, so a project's other files cost nothing more than MMAP001-MMAP007's text search.
            CandidateNames names = CandidateNames.Of(context.Compilation, context.CancellationToken);
            if (!names.AnyCandidateFile)
            {
                return;
            }

            var renamed = new HashSet<string>(LibcPresence.Of(context.Compilation, context.CancellationToken).RenamedBindings, StringComparer.Ordinal);
            var session = new Session(context.Compilation, names, new TargetOsResolver(context.Options), renamed);
            context.RegisterSemanticModelAction(session.AnalyzeFile);
        }

        private sealed class Session
        {
            private readonly CandidateNames _names;
            private readonly TargetOsResolver _targets;
            private readonly MmapCallResolver _mmaps;
            private readonly MunmapResolver _munmaps;
            private readonly MmapWrapperResolver _wrappers;
            private readonly SemanticModelProvider _models;
            private readonly ConcurrentDictionary<IMethodSymbol, ReturnedMapping> _directWrappers = new ConcurrentDictionary<IMethodSymbol, ReturnedMapping>(SymbolEqualityComparer.Default);
            private readonly ConcurrentDictionary<IFieldSymbol, FieldMapping> _fields = new ConcurrentDictionary<IFieldSymbol, FieldMapping>(SymbolEqualityComparer.Default);

            private readonly string[] _renamedMunmaps;

            public Session(Compilation compilation, CandidateNames names, TargetOsResolver targets, HashSet<string> renamedMunmaps)
            {
                _renamedMunmaps = renamedMunmaps.Count == 0 ? Array.Empty<string>() : new List<string>(renamedMunmaps).ToArray();
                _names = names;
                _targets = targets;
                _mmaps = new MmapCallResolver(compilation);
                _models = new SemanticModelProvider(compilation);
                _munmaps = new MunmapResolver(_mmaps, renamedMunmaps, _models);
                _wrappers = new MmapWrapperResolver(_mmaps, _models, names);
            }

            public void AnalyzeFile(SemanticModelAnalysisContext context)
            {
                SemanticModel model = context.SemanticModel;
                CancellationToken cancellationToken = context.CancellationToken;
                List<InvocationExpressionSyntax> calls = _names.CandidateCalls(model.SyntaxTree, context.FilterSpan, out bool mayHoldGeneratedCode, cancellationToken);
                if (calls.Count == 0)
                {
                    // A file that calls no mmap can still unmap: a field its type maps in another file (a partial type), or
                    // memory that is not a mapping at all. Only files whose text names munmap or a renamed binding are read.
                    if (!NamesMunmap(model.SyntaxTree, _renamedMunmaps))
                    {
                        return;
                    }

                    mayHoldGeneratedCode = true; // the candidate search did not read this file: MayHoldGeneratedCode does below
                }

                AddMunmapCalls(model.SyntaxTree, context.FilterSpan, LibcText.Of(model.SyntaxTree, cancellationToken).Mentioned, _renamedMunmaps, calls, cancellationToken);

                // The bodies worth a flow analysis: those with a real mmap or munmap call.
                var bodies = new Dictionary<SyntaxNode, IOperation>();
                foreach (InvocationExpressionSyntax call in calls)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (model.GetOperation(call, cancellationToken) is not IInvocationOperation invocation || !IsLifetimeCall(invocation, model))
                    {
                        continue;
                    }

                    IOperation root = invocation;
                    while (root.Parent is not null)
                    {
                        root = root.Parent;
                    }

                    if (!bodies.ContainsKey(root.Syntax))
                    {
                        bodies.Add(root.Syntax, invocation);
                    }
                }

                if (mayHoldGeneratedCode && MayHoldGeneratedCode(model.SyntaxTree))
                {
                    var generated = new List<SyntaxNode>();
                    foreach (KeyValuePair<SyntaxNode, IOperation> body in bodies)
                    {
                        if (GeneratedCode.Contains(body.Value.Syntax, model, cancellationToken))
                        {
                            generated.Add(body.Key);
                        }
                    }

                    foreach (SyntaxNode body in generated)
                    {
                        bodies.Remove(body);
                    }
                }

                var candidates = new HashSet<InvocationExpressionSyntax>(calls);
                foreach (IOperation anyCall in bodies.Values)
                {
                    AnalyzeBody(anyCall, model, candidates, context.ReportDiagnostic, cancellationToken);
                }
            }

            private static bool NamesMunmap(SyntaxTree tree, string[] renamed)
            {
                if (!tree.TryGetText(out SourceText? text))
                {
                    return true;
                }

                // libc's name, as every binding spells it (Libc.munmap, Syscall.munmap, Mman.munmap); bindings renamed
                // through EntryPoint are searched by their own names below. One ordinal search per file.
                string source = text.ToString();
                if (source.IndexOf(LibcText.Word, StringComparison.Ordinal) >= 0)
                {
                    return true;
                }

                foreach (string name in renamed)
                {
                    if (source.IndexOf(name, StringComparison.Ordinal) >= 0)
                    {
                        return true;
                    }
                }

                return false;
            }

            /// <summary>The candidate search answers for files that name mmap; a file that only names munmap is read here.</summary>
            private static bool MayHoldGeneratedCode(SyntaxTree tree)
            {
                if (!tree.TryGetText(out SourceText? text))
                {
                    return true;
                }

                return GeneratedCode.MayBeIn(text.ToString());
            }

            private bool IsLifetimeCall(IInvocationOperation invocation, SemanticModel model) =>
                _munmaps.Resolve(invocation.TargetMethod, model) is not null || _munmaps.IsMremap(invocation.TargetMethod) || _mmaps.Resolve(invocation.TargetMethod) is not null || DirectWrapper(invocation.TargetMethod, model) is not null;

            /// <summary>The calls at the text occurrences of "munmap" (any case) and of munmap bindings named otherwise.</summary>
            private static void AddMunmapCalls(SyntaxTree tree, TextSpan? span, bool mentioned, string[] renamed, List<InvocationExpressionSyntax> calls, CancellationToken cancellationToken)
            {
                SyntaxNode root = tree.GetRoot(cancellationToken);
                var seen = new HashSet<InvocationExpressionSyntax>(calls);
                if (!tree.TryGetText(out SourceText? text))
                {
                    foreach (SyntaxNode node in root.DescendantNodes())
                    {
                        if (node is InvocationExpressionSyntax call && CallNames.InvokedName(call.Expression) is { } name
                            && (MunmapResolver.MayBeMunmapName(name) || MunmapResolver.MayBeMremapName(name) || Array.IndexOf(renamed, name) >= 0)
                            && (span is not { } filter || filter.Contains(call.Span)) && seen.Add(call))
                        {
                            calls.Add(call);
                        }
                    }

                    return;
                }

                string source = text.ToString();
                if (mentioned)
                {
                    CallOccurrences.Add(root, source, LibcText.Word, StringComparison.OrdinalIgnoreCase, span, seen, calls, cancellationToken);
                    CallOccurrences.Add(root, source, LibcText.MremapWord, StringComparison.OrdinalIgnoreCase, span, seen, calls, cancellationToken);
                }
                foreach (string name in renamed)
                {
                    CallOccurrences.Add(root, source, name, StringComparison.Ordinal, span, seen, calls, cancellationToken);
                }
            }

            private void AnalyzeBody(IOperation anyCall, SemanticModel model, HashSet<InvocationExpressionSyntax> candidates, Action<Diagnostic> report, CancellationToken cancellationToken)
            {
                IOperation root = anyCall;
                while (root.Parent is not null)
                {
                    root = root.Parent;
                }

                // The graph is built only when needed: for a body the structured walk cannot follow, or for a local whose
                // value the evaluator must trace across assignments.
                ControlFlowGraph? graph = null;
                bool graphTried = false;
                ControlFlowGraph? Graph()
                {
                    if (!graphTried)
                    {
                        graphTried = true;
                        graph = ControlFlowGraphs.ForEnclosingBody(anyCall, cancellationToken);
                    }

                    return graph;
                }

                TargetOS target = _targets.For(model.SyntaxTree);
                var scope = new EvaluationScope(MmapConstants.For(target), target, _mmaps.Known, _models);
                var evaluator = new ValueEvaluator(scope, new BodyFacts(root.Syntax, Graph).LocalsFor(scope));
                INamedTypeSymbol? type = model.GetEnclosingSymbol(anyCall.Syntax.SpanStart, cancellationToken)?.ContainingType;
                var body = new BodyContext(this, model, evaluator, type, candidates, cancellationToken);
                var findings = new LifetimeFindings();
                if (!LifetimeFlow.TryRunStructured(root, body, findings, cancellationToken))
                {
                    if (Graph() is not { } built)
                    {
                        return;
                    }

                    findings = new LifetimeFindings();
                    LifetimeFlow.RunWithNested(built, body, findings, cancellationToken);
                }

                findings.Report(report);
            }

            /// <summary>
            /// A one-level wrapper whose every return is mmap's result: the call itself (<c>return mmap(…);</c>: a mapping or
            /// MAP_FAILED, which its caller must check), or a local that only mmap calls assign (<c>p = mmap(…); if (p ==
            /// MAP_FAILED) throw …; return p;</c>: a mapping, whose failure the wrapper handles the way it chooses).
            /// </summary>
            public MmapWrapper? DirectWrapper(IMethodSymbol method, SemanticModel model) => DirectWrapper(method, model, out _);

            /// <summary>A direct wrapper (see above) and how it returns its mapping.</summary>
            public MmapWrapper? DirectWrapper(IMethodSymbol method, SemanticModel model, out ReturnedMapping returned)
            {
                returned = ReturnedMapping.None;
                if (method.DeclaringSyntaxReferences.Length != 1 || method.IsExtern || _wrappers.Resolve(method, model) is not { CallsWrapper: false } wrapper)
                {
                    return null;
                }

                returned = _directWrappers.GetOrCompute(method.OriginalDefinition, this, static (m, session) => session.HowItReturns(m.DeclaringSyntaxReferences[0].GetSyntax()));
                return returned == ReturnedMapping.None ? null : wrapper;
            }

            private ReturnedMapping HowItReturns(SyntaxNode declaration)
            {
                ArrowExpressionClauseSyntax? arrow = declaration switch
                {
                    MethodDeclarationSyntax method => method.ExpressionBody,
                    LocalFunctionStatementSyntax local => local.ExpressionBody,
                    _ => null,
                };
                if (arrow is not null)
                {
                    return IsMmapCall(arrow.Expression) ? ReturnedMapping.Call : ReturnedMapping.None;
                }

                bool throughLocal = false, any = false;
                foreach (SyntaxNode node in declaration.DescendantNodes())
                {
                    if (node is ReturnStatementSyntax ret)
                    {
                        if (ret.Expression is null)
                        {
                            return ReturnedMapping.None;
                        }

                        if (!IsMmapCall(ret.Expression))
                        {
                            if (CallNames.WithoutCasts(ret.Expression) is not IdentifierNameSyntax name || !OnlyMmapAssigns(declaration, name.Identifier.ValueText))
                            {
                                return ReturnedMapping.None;
                            }

                            throughLocal = true;
                        }

                        any = true;
                    }
                }

                return !any ? ReturnedMapping.None : throughLocal ? ReturnedMapping.CheckedLocal : ReturnedMapping.Call;
            }

            /// <summary>A local of the wrapper that is declared once, and whose initializer and every write are mmap calls.</summary>
            private bool OnlyMmapAssigns(SyntaxNode declaration, string name)
            {
                int declared = 0;
                foreach (SyntaxNode node in declaration.DescendantNodes())
                {
                    switch (node)
                    {
                        case VariableDeclaratorSyntax declarator when declarator.Identifier.ValueText == name:
                            declared++;
                            if (declarator.Initializer is { } initializer && !IsMmapCall(initializer.Value))
                            {
                                return false;
                            }

                            break;
                        case ParameterSyntax parameter when parameter.Identifier.ValueText == name:
                            return false;
                        case IdentifierNameSyntax identifier when identifier.Identifier.ValueText == name:
                            switch (identifier.Parent)
                            {
                                case AssignmentExpressionSyntax assignment when assignment.Left == identifier:
                                    if (!assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) || !IsMmapCall(assignment.Right))
                                    {
                                        return false;
                                    }

                                    break;
                                case PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax:
                                case ArgumentSyntax argument when CallNames.LetsCalleeWrite(argument):
                                    return false;
                            }

                            break;
                    }
                }

                return declared == 1;
            }

            private bool IsMmapCall(ExpressionSyntax expression) =>
                CallNames.WithoutCasts(expression) is InvocationExpressionSyntax call && CallNames.InvokedName(call.Expression) is { } name && _names.MayBeBinding(name);

            public MmapCallResolver Mmaps => _mmaps;

            public MunmapResolver Munmaps => _munmaps;

            public SemanticModelProvider Models => _models;

            public TargetOsResolver Targets => _targets;

            public FieldMapping FieldMappingOf(IFieldSymbol field, SemanticModel current, CancellationToken cancellationToken) =>
                _fields.GetOrCompute(field.OriginalDefinition, (Session: this, Current: current, Cancellation: cancellationToken), static (f, s) => FieldMapping.Compute(f, s.Session, s.Current, s.Cancellation));
        }

        /// <summary>The flow's view of one body: its bindings, its evaluator, the fields of its type.</summary>
        private sealed class BodyContext : ILifetimeContext
        {
            private readonly Session _session;
            private readonly SemanticModel _model;
            private readonly ValueEvaluator _evaluator;
            private readonly CancellationToken _cancellationToken;
            private readonly Dictionary<SyntaxNode, MappingSite?> _sites = new Dictionary<SyntaxNode, MappingSite?>();

            private readonly HashSet<InvocationExpressionSyntax> _candidates;

            public BodyContext(Session session, SemanticModel model, ValueEvaluator evaluator, INamedTypeSymbol? type, HashSet<InvocationExpressionSyntax> candidates, CancellationToken cancellationToken)
            {
                _candidates = candidates;
                _session = session;
                _model = model;
                _evaluator = evaluator;
                ContainingType = type;
                _cancellationToken = cancellationToken;
            }

            public INamedTypeSymbol? ContainingType { get; }

            public MappingSite? MappingOf(IInvocationOperation invocation)
            {
                if (!_sites.TryGetValue(invocation.Syntax, out MappingSite? site))
                {
                    site = MappingSites.Of(invocation, _session, _model, syntax => Evaluate(syntax), invocation.Syntax is InvocationExpressionSyntax call && _candidates.Contains(call));
                    _sites[invocation.Syntax] = site;
                }

                return site;
            }

            public MunmapShape? MunmapOf(IInvocationOperation invocation) => _session.Munmaps.Resolve(invocation.TargetMethod, _model);

            public Provenance? FieldOrigin(IFieldSymbol field)
            {
                if (field.DeclaringSyntaxReferences.IsEmpty || ContainingType is null
                    || !SymbolEqualityComparer.Default.Equals(field.ContainingType?.OriginalDefinition, ContainingType.OriginalDefinition))
                {
                    return null;
                }

                return _session.FieldMappingOf(field, _model, _cancellationToken).Origin;
            }

            // The flow asks again on every pass over a loop: each expression is evaluated once.
            private readonly Dictionary<SyntaxNode, ValueSet> _values = new Dictionary<SyntaxNode, ValueSet>();

            public ValueSet Evaluate(IOperation expression) => Evaluate(expression.Syntax, expression);

            private ValueSet Evaluate(SyntaxNode syntax, IOperation? expression = null)
            {
                if (!_values.TryGetValue(syntax, out ValueSet? values))
                {
                    IOperation? operation = (expression is null ? null : OutermostExplicit(expression)) ?? _model.GetOperation(syntax, _cancellationToken);
                    values = operation is null ? ValueSet.Unknown : _evaluator.Evaluate(operation);
                    _values[syntax] = values;
                }

                return values;
            }

            /// <summary>
            /// The operation <see cref="SemanticModel.GetOperation"/> returns for the syntax of a tree operation (the outermost
            /// explicit one with that syntax), found by walking up rather than by the model's search down its statement, which
            /// would cost the statement's size on every call. Null for the rewritten operations of a control flow graph.
            /// </summary>
            private static IOperation? OutermostExplicit(IOperation expression)
            {
                if (expression.SemanticModel is null)
                {
                    return null;
                }

                IOperation? outermost = expression.IsImplicit ? null : expression;
                for (IOperation? parent = expression.Parent; parent is not null && parent.Syntax == expression.Syntax; parent = parent.Parent)
                {
                    if (!parent.IsImplicit)
                    {
                        outermost = parent;
                    }
                }

                return outermost;
            }
        }

        /// <summary>Creates the mapping site of an mmap call or direct wrapper call.</summary>
        private static class MappingSites
        {
            /// <param name="mayBeWrapper">False for a call the candidate search did not let through: then only a binding is a mapping.</param>
            public static MappingSite? Of(IInvocationOperation invocation, Session session, SemanticModel model, Func<SyntaxNode, ValueSet> evaluate, bool mayBeWrapper = true)
            {
                int lengthOrdinal;
                string function = "mmap";
                bool needsCheck = true;
                long? constantLength = null;
                if (session.Mmaps.Resolve(invocation.TargetMethod) is not null)
                {
                    lengthOrdinal = (int)MmapParameter.Length;
                }
                else if (session.Munmaps.IsMremap(invocation.TargetMethod))
                {
                    lengthOrdinal = 2; // mremap(old_address, old_size, new_size, flags): the new mapping's length
                    function = "mremap";
                }
                else if (mayBeWrapper && session.DirectWrapper(invocation.TargetMethod, model, out ReturnedMapping returned) is { } wrapper)
                {
                    lengthOrdinal = wrapper.PassedThrough.TryGetValue(MmapParameter.Length, out int ordinal) ? ordinal : -1;
                    needsCheck = returned == ReturnedMapping.Call;
                    constantLength = wrapper.ConstantLength;
                }
                else
                {
                    return null;
                }

                if (lengthOrdinal < 0 && constantLength is { } constant)
                {
                    return new MappingSite(invocation.Syntax, function, () => ValueSet.Single(constant), null, needsCheck);
                }

                SyntaxNode? length = null;
                foreach (IArgumentOperation argument in invocation.Arguments)
                {
                    if (argument.Parameter?.Ordinal == lengthOrdinal && ArgumentLocations.IsWritten(argument, invocation) && argument.Value.Syntax is { } syntax)
                    {
                        length = syntax;
                    }
                }

                return new MappingSite(invocation.Syntax, function, () => length is null ? ValueSet.Unknown : evaluate(length), length, needsCheck);
            }
        }

        /// <summary>The mapping every mmap assignment of a field (in any member of its type) makes; shared by those assignments.</summary>
        private sealed class FieldSite : MappingSite
        {
            public FieldSite(SyntaxNode call, string function, Func<ValueSet> length, SyntaxNode? lengthSyntax)
                : base(call, function, length, lengthSyntax)
            {
            }

            public override bool OfField => true;
        }

        /// <summary>
        /// Where a field points when a body reads it without having assigned it: when every non-null value the type's
        /// members assign to it is an mmap result (directly, or through a local initialized by mmap and not written again),
        /// the field holds one of those mappings. Anything else (a ref/out use, another value) leaves it unknown.
        /// </summary>
        private sealed class FieldMapping
        {
            private FieldMapping(Provenance? origin)
            {
                Origin = origin;
            }

            public Provenance? Origin { get; }

            public static FieldMapping Compute(IFieldSymbol field, Session session, SemanticModel current, CancellationToken cancellationToken)
            {
                var scan = new FieldScan(session, cancellationToken);
                INamedTypeSymbol type = field.ContainingType;
                foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
                {
                    SyntaxNode declaration = reference.GetSyntax(cancellationToken);
                    SemanticModel? model = session.Models.Get(reference.SyntaxTree, current);
                    if (model is null)
                    {
                        return new FieldMapping(null);
                    }

                    foreach (SyntaxNode node in declaration.DescendantNodes())
                    {
                        if (node is IdentifierNameSyntax name && name.Identifier.ValueText == field.Name && !scan.Collect(name, field, model))
                        {
                            return new FieldMapping(null);
                        }

                        if (node is VariableDeclaratorSyntax { Initializer.Value: { } initializer } declarator && declarator.Identifier.ValueText == field.Name
                            && SymbolEqualityComparer.Default.Equals(model.GetDeclaredSymbol(declarator, cancellationToken), field)
                            && !scan.Classify(model.GetOperation(initializer, cancellationToken), model))
                        {
                            return new FieldMapping(null);
                        }
                    }
                }

                if (scan.Calls.Count == 0)
                {
                    return new FieldMapping(null);
                }

                var sites = new List<MappingSite>();
                foreach ((IInvocationOperation call, SemanticModel model) in scan.Calls)
                {
                    var scope = new EvaluationScope(MmapConstants.For(session.Targets.For(model.SyntaxTree)), session.Targets.For(model.SyntaxTree), session.Mmaps.Known, session.Models);
                    var evaluator = new ValueEvaluator(scope, new BodyFacts(ControlFlowGraphs.EnclosingBodySyntax(call), () => ControlFlowGraphs.ForEnclosingBody(call, cancellationToken)).LocalsFor(scope));
                    MappingSite? site = MappingSites.Of(call, session, model, syntax => model.GetOperation(syntax, cancellationToken) is { } operation ? evaluator.Evaluate(operation) : ValueSet.Unknown);
                    if (site is null)
                    {
                        return new FieldMapping(null);
                    }

                    sites.Add(site);
                }

                var shared = new FieldSite(
                    sites[0].Call,
                    sites[0].Function,
                    () =>
                    {
                        ValueSet all = ValueSet.Empty;
                        foreach (MappingSite site in sites)
                        {
                            all = all.Union(site.Length);
                        }

                        return all;
                    },
                    sites.Count == 1 ? sites[0].LengthSyntax : null);
                return new FieldMapping(Provenance.Mapping(shared));
            }

            /// <summary>The mentions of one field across its type: the mmap calls it may hold, and per member the names that
            /// it writes, found in one walk of the member however many locals it assigns to the field.</summary>
            private sealed class FieldScan
            {
                private readonly Session _session;
                private readonly CancellationToken _cancellationToken;
                private readonly Dictionary<SyntaxNode, HashSet<string>> _writtenNames = new Dictionary<SyntaxNode, HashSet<string>>();

                public FieldScan(Session session, CancellationToken cancellationToken)
                {
                    _session = session;
                    _cancellationToken = cancellationToken;
                }

                /// <summary>The mmap calls whose results the field may hold, with the model of each one's tree.</summary>
                public List<(IInvocationOperation Call, SemanticModel Model)> Calls { get; } = new List<(IInvocationOperation, SemanticModel)>();

                /// <summary>One mention of the field's name: false when it makes the field's provenance unknown.</summary>
                public bool Collect(IdentifierNameSyntax name, IFieldSymbol field, SemanticModel model)
                {
                    SyntaxNode expression = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
                    switch (expression.Parent)
                    {
                        case AssignmentExpressionSyntax assignment when assignment.Left == expression:
                            if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, _cancellationToken).Symbol, field))
                            {
                                return true;
                            }

                            return assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)
                                && Classify(model.GetOperation(assignment.Right, _cancellationToken), model);
                        case ArgumentSyntax argument when CallNames.LetsCalleeWrite(argument):
                        case PrefixUnaryExpressionSyntax:
                        case PostfixUnaryExpressionSyntax:
                        case RefExpressionSyntax:
                            return !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, _cancellationToken).Symbol, field);
                        default:
                            return true;
                    }
                }

                public bool Classify(IOperation? value, SemanticModel model)
                {
                    value = OperationWalk.Unconverted(value);

                    switch (value)
                    {
                        case null:
                            return false;
                        case { ConstantValue: { HasValue: true } constant } when constant.Value is null || IntegerConversions.FromConstant(constant.Value) == 0:
                        case IDefaultValueOperation:
                        case IFieldReferenceOperation { Field: { Name: "Zero", ContainingType.SpecialType: SpecialType.System_IntPtr or SpecialType.System_UIntPtr } }:
                            return true; // "not mapped" marks
                        case IInvocationOperation invocation when IsMapping(invocation, _session, model):
                            Calls.Add((invocation, model));
                            return true;
                        case ILocalReferenceOperation local:
                            return SingleMmapInitializer(local.Local, model);
                        default:
                            return false;
                    }
                }

                private static bool IsMapping(IInvocationOperation invocation, Session session, SemanticModel model) =>
                    session.Mmaps.Resolve(invocation.TargetMethod) is not null || session.Munmaps.IsMremap(invocation.TargetMethod)
                    || session.DirectWrapper(invocation.TargetMethod, model) is not null;

                /// <summary>A local declared with an mmap call as its initializer and never written again in its member.</summary>
                private bool SingleMmapInitializer(ILocalSymbol local, SemanticModel model)
                {
                    if (local.DeclaringSyntaxReferences.Length != 1
                        || local.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: { } initializer } declarator)
                    {
                        return false;
                    }

                    SyntaxNode? member = declarator.FirstAncestorOrSelf<MemberDeclarationSyntax>();
                    if (member is null)
                    {
                        return false;
                    }

                    if (WrittenNames(member).Contains(local.Name))
                    {
                        return false;
                    }

                    IOperation? value = OperationWalk.Unconverted(model.GetOperation(initializer, _cancellationToken));

                    if (value is IInvocationOperation invocation && IsMapping(invocation, _session, model))
                    {
                        Calls.Add((invocation, model));
                        return true;
                    }

                    return false;
                }

                /// <summary>The names a member assigns, increments, decrements or passes by reference (a local so named is
                /// written after its declaration).</summary>
                private HashSet<string> WrittenNames(SyntaxNode member)
                {
                    if (!_writtenNames.TryGetValue(member, out HashSet<string>? names))
                    {
                        names = new HashSet<string>(StringComparer.Ordinal);
                        foreach (SyntaxNode node in member.DescendantNodes())
                        {
                            if (node is IdentifierNameSyntax name
                                && (name.Parent is AssignmentExpressionSyntax assignment && assignment.Left == name
                                    || name.Parent is PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax
                                    || name.Parent is ArgumentSyntax argument && CallNames.LetsCalleeWrite(argument)))
                            {
                                names.Add(name.Identifier.ValueText);
                            }
                        }

                        _writtenNames[member] = names;
                    }

                    return names;
                }
            }
        }
    }
}

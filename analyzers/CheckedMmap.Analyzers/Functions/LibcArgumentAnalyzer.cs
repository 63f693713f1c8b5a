using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Configuration;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Values;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Functions
{
    /// <summary>
    /// MMAP011-MMAP013: the arguments of mprotect, madvise and mremap that Miri and the checked runtime reject. Each
    /// argument is evaluated as MMAP001-MMAP007 evaluate mmap's (constants, enums, properties, locals, "may" for partial
    /// knowledge, the target OS's numbers). A compilation that declares none of them and references no binding library
    /// registers nothing (<see cref="LibcPresence"/>); otherwise each file is searched for the exact names they are
    /// declared with, and only the calls found there are bound.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class LibcArgumentAnalyzer : CompilationStartAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            MprotectRule.Descriptor,
            MadviseRule.Descriptor,
            MremapFlagsRule.Fixed,
            MremapFlagsRule.DontUnmap,
            MremapFlagsRule.WithoutMayMove);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            LibcPresence presence = LibcPresence.Of(context.Compilation, context.CancellationToken);
            if (!presence.MayCallArgumentRuleFunctions)
            {
                return;
            }

            var session = new Session(context.Compilation, new TargetOsResolver(context.Options), new HashSet<string>(presence.ArgumentRuleNames, StringComparer.Ordinal));
            context.RegisterSemanticModelAction(session.AnalyzeFile);
        }

        private sealed class Session
        {
            private readonly MmapCallResolver _mmaps;
            private readonly LibcFunctionResolver _functions;
            private readonly TargetOsResolver _targets;
            private readonly SemanticModelProvider _models;
            private readonly string[] _renamed;

            public Session(Compilation compilation, TargetOsResolver targets, HashSet<string> renamed)
            {
                _mmaps = new MmapCallResolver(compilation);
                _functions = new LibcFunctionResolver(_mmaps);
                _targets = targets;
                _models = new SemanticModelProvider(compilation);
                _renamed = new List<string>(renamed).ToArray();
            }

            public void AnalyzeFile(SemanticModelAnalysisContext context)
            {
                SemanticModel model = context.SemanticModel;
                SyntaxTree tree = model.SyntaxTree;
                CancellationToken cancellationToken = context.CancellationToken;
                if (!tree.TryGetText(out SourceText? text))
                {
                    return; // Trees built without text are not read by this analyzer.
                }

                // The three names in any case, and the renamed bindings by their exact names.
                string source = text.ToString();
                SyntaxNode root = tree.GetRoot(cancellationToken);
                var calls = new List<InvocationExpressionSyntax>();
                var seen = new HashSet<InvocationExpressionSyntax>();
                foreach (string name in _renamed)
                {
                    bool word = name is LibcText.MremapWord or LibcText.MprotectWord or LibcText.MadviseWord;
                    CallOccurrences.Add(root, source, name, word ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal, context.FilterSpan, seen, calls, cancellationToken);
                }

                if (calls.Count == 0)
                {
                    return;
                }

                bool mayHoldGeneratedCode = GeneratedCode.MayBeIn(source);
                // One set of body facts per body, shared by its calls (as MmapAnalyzer does): no graph built per call.
                BodyFacts? body = null;
                foreach (InvocationExpressionSyntax call in calls)
                {
                    if (model.GetOperation(call, cancellationToken) is IInvocationOperation invocation
                        && _functions.Resolve(invocation.TargetMethod) is var function and not LibcFunction.None
                        && !(mayHoldGeneratedCode && GeneratedCode.Contains(call, model, cancellationToken)))
                    {
                        SyntaxNode? bodySyntax = ControlFlowGraphs.EnclosingBodySyntax(invocation);
                        if (body is null || body.Body is null || body.Body != bodySyntax)
                        {
                            IOperation first = invocation;
                            body = new BodyFacts(bodySyntax, () => ControlFlowGraphs.ForEnclosingBody(first, cancellationToken));
                        }

                        Analyze(invocation, function, body, context.ReportDiagnostic, cancellationToken);
                    }
                }
            }

            private static bool MentionsAny(string source, string[] names)
            {
                foreach (string name in names)
                {
                    if (source.IndexOf(name, StringComparison.Ordinal) >= 0)
                    {
                        return true;
                    }
                }

                return false;
            }

            private void Analyze(IInvocationOperation invocation, LibcFunction function, BodyFacts body, Action<Diagnostic> report, CancellationToken cancellationToken)
            {
                int ordinal = function switch
                {
                    LibcFunction.Mprotect or LibcFunction.Madvise => 2,
                    LibcFunction.Mremap => 3,
                    _ => -1,
                };
                IArgumentOperation? argument = null;
                foreach (IArgumentOperation each in invocation.Arguments)
                {
                    if (each.Parameter?.Ordinal == ordinal)
                    {
                        argument = each;
                    }
                }

                if (argument is null)
                {
                    return;
                }

                // Mono.Posix and Tmds.LibC carry Linux numbers whatever the target; a plain P/Invoke the target's.
                TargetOS target = _targets.For(invocation.Syntax.SyntaxTree);
                if (invocation.SemanticModel is { } model && OsConditions.ExcludedOnTarget(invocation.Syntax, model, target, _models, body.Reachability, cancellationToken))
                {
                    return; // a call the target never runs is not judged by the target's numbers
                }

                INamedTypeSymbol? container = invocation.TargetMethod.ContainingType;
                MmapConstants constants = _mmaps.Known.IsMonoSyscall(container) || _mmaps.Known.IsTmdsLibC(container) ? MmapConstants.Linux : MmapConstants.For(target);
                var scope = new EvaluationScope(constants, target, _mmaps.Known, _models);
                var evaluator = new ValueEvaluator(scope, body.LocalsFor(scope));
                ValueSet values = evaluator.Evaluate(argument.Value);
                Location location = ArgumentLocations.Of(argument, invocation);
                switch (function)
                {
                    case LibcFunction.Mprotect:
                        JudgeProtection(values, location, report);
                        break;
                    case LibcFunction.Madvise:
                        JudgeAdvice(values, constants, location, report);
                        break;
                    case LibcFunction.Mremap:
                        JudgeMremapFlags(values, location, report);
                        break;
                }
            }

            private static void JudgeProtection(ValueSet values, Location location, Action<Diagnostic> report)
            {
                Verdict verdict = Verdict.Judge(values, v => !MmapChecks.ReadWriteProtection(MmapCallFacts.AsInt(v)));
                if (verdict.Reports)
                {
                    report(Diagnostic.Create(MprotectRule.Descriptor, location, verdict.Verb("are"), verdict.Describe(v => MmapConstants.FormatProt(MmapCallFacts.AsInt(v))), MmapMessages.Protections));
                }
            }

            private static void JudgeAdvice(ValueSet values, MmapConstants constants, Location location, Action<Diagnostic> report)
            {
                Verdict verdict = Verdict.Judge(values, v => !MmapChecks.IsSupportedAdvice(MmapCallFacts.AsInt(v)));
                if (verdict.Reports)
                {
                    report(Diagnostic.Create(MadviseRule.Descriptor, location, verdict.Verb("is"), verdict.Describe(v => constants.FormatAdvice(MmapCallFacts.AsInt(v))), MmapMessages.MadviseAdvice));
                }
            }

            private static void JudgeMremapFlags(ValueSet values, Location location, Action<Diagnostic> report)
            {
                (Func<int, bool> Bad, DiagnosticDescriptor Descriptor, string Message)[] checks =
                {
                    (MmapChecks.HasMremapFixed, MremapFlagsRule.Fixed, MmapMessages.MremapFixed),
                    (MmapChecks.HasMremapDontUnmap, MremapFlagsRule.DontUnmap, MmapMessages.MremapDontUnmap),
                    (flags => !MmapChecks.HasMayMove(flags), MremapFlagsRule.WithoutMayMove, MmapMessages.EinvalMremapWithoutMayMove),
                };
                // In the runtime's order, which stops at the first: a value is judged by the first check it fails
                // (MREMAP_FIXED without MREMAP_MAYMOVE stops as unsupported and never reaches EINVAL).
                for (int k = 0; k < checks.Length; k++)
                {
                    (_, DiagnosticDescriptor descriptor, string message) = checks[k];
                    int index = k;
                    Verdict verdict = Verdict.Judge(values, v => FirstFailed(checks, MmapCallFacts.AsInt(v)) == index);
                    if (verdict.Reports)
                    {
                        report(Diagnostic.Create(descriptor, location, verdict.Verb("are"), verdict.Describe(v => MmapConstants.FormatMremapFlags(MmapCallFacts.AsInt(v))), message));
                    }
                }
            }

            /// <summary>The index of the first check the flags fail, -1 for none.</summary>
            private static int FirstFailed((Func<int, bool> Bad, DiagnosticDescriptor Descriptor, string Message)[] checks, int flags)
            {
                for (int i = 0; i < checks.Length; i++)
                {
                    if (checks[i].Bad(flags))
                    {
                        return i;
                    }
                }

                return -1;
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Functions
{
    /// <summary>
    /// MMAP014: in files compiled with CHECKED defined, calls of libc's mmap/mmap64, munmap, mremap, mprotect or madvise
    /// through any binding but CheckedMmap.Mman. A compilation none of whose files defines CHECKED registers nothing.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class EscapeAnalyzer : CompilationStartAnalyzer
    {
        private const string Checked = "CHECKED";
        private static readonly string[] Words = { LibcText.Word, LibcText.MremapWord, LibcText.MprotectWord, LibcText.MadviseWord };

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(EscapeRule.Descriptor);

        /// <summary>CHECKED from the build (DefineConstants), or a file's own <c>#define CHECKED</c> (not undefined again).</summary>
        private static bool DefinesChecked(SyntaxTree tree)
        {
            if (tree.Options is CSharpParseOptions options && Contains(options.PreprocessorSymbolNames, Checked))
            {
                return true;
            }

            if (!tree.TryGetText(out SourceText? text) || text.ToString().IndexOf("#define", StringComparison.Ordinal) < 0)
            {
                return false;
            }

            bool defined = false;
            for (DirectiveTriviaSyntax? directive = tree.GetRoot().GetFirstDirective(); directive is not null; directive = directive.GetNextDirective())
            {
                switch (directive)
                {
                    case DefineDirectiveTriviaSyntax define when define.Name.ValueText == Checked:
                        defined = true;
                        break;
                    case UndefDirectiveTriviaSyntax undefine when undefine.Name.ValueText == Checked:
                        defined = false;
                        break;
                }
            }

            return defined;
        }

        private static bool Contains(IEnumerable<string> names, string name)
        {
            foreach (string each in names)
            {
                if (each == name)
                {
                    return true;
                }
            }

            return false;
        }

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            bool any = false;
            foreach (SyntaxTree tree in context.Compilation.SyntaxTrees)
            {
                if (DefinesChecked(tree))
                {
                    any = true;
                    break;
                }
            }

            if (!any)
            {
                return;
            }

            CandidateNames names = CandidateNames.Of(context.Compilation, context.CancellationToken);
            var renamed = new HashSet<string>(LibcPresence.Of(context.Compilation, context.CancellationToken).RenamedBindings, StringComparer.Ordinal);

            var session = new Session(context.Compilation, names, renamed);
            context.RegisterSemanticModelAction(session.AnalyzeFile);
        }

        private sealed class Session
        {
            private readonly CandidateNames _names;
            private readonly MmapCallResolver _mmaps;
            private readonly LibcFunctionResolver _functions;
            private readonly string[] _renamed;

            public Session(Compilation compilation, CandidateNames names, HashSet<string> renamed)
            {
                _names = names;
                _mmaps = new MmapCallResolver(compilation);
                _functions = new LibcFunctionResolver(_mmaps);
                _renamed = new List<string>(renamed).ToArray();
            }

            public void AnalyzeFile(SemanticModelAnalysisContext context)
            {
                SemanticModel model = context.SemanticModel;
                SyntaxTree tree = model.SyntaxTree;
                CancellationToken cancellationToken = context.CancellationToken;
                if (!DefinesChecked(tree) || !tree.TryGetText(out SourceText? text))
                {
                    return;
                }

                List<InvocationExpressionSyntax> calls = _names.CandidateCalls(tree, context.FilterSpan, out _, cancellationToken);
                LibcText libc = LibcText.Of(tree, cancellationToken);
                string source = text.ToString();
                SyntaxNode root = tree.GetRoot(cancellationToken);
                var seen = new HashSet<InvocationExpressionSyntax>(calls);
                if (libc.Mentioned || libc.MentionsArgumentRuleFunction)
                {
                    foreach (string word in Words)
                    {
                        CallOccurrences.Add(root, source, word, StringComparison.OrdinalIgnoreCase, context.FilterSpan, seen, calls, cancellationToken);
                    }
                }

                foreach (string name in _renamed)
                {
                    CallOccurrences.Add(root, source, name, StringComparison.Ordinal, context.FilterSpan, seen, calls, cancellationToken);
                }

                bool mayHoldGeneratedCode = GeneratedCode.MayBeIn(source);
                foreach (InvocationExpressionSyntax call in calls)
                {
                    if (model.GetOperation(call, cancellationToken) is IInvocationOperation invocation
                        && Escapes(invocation.TargetMethod) is { } function
                        && !(mayHoldGeneratedCode && GeneratedCode.Contains(call, model, cancellationToken)))
                    {
                        IMethodSymbol method = invocation.TargetMethod;
                        Report(context, call, method, function);
                    }
                }
            }

            private static void Report(SemanticModelAnalysisContext context, SyntaxNode call, IMethodSymbol method, string function) =>
                context.ReportDiagnostic(Diagnostic.Create(EscapeRule.Descriptor, call.GetLocation(), method.ContainingType is { } type ? type.Name + "." + method.Name : method.Name, function));

            /// <summary>The libc function a call of this method reaches without the checked runtime; null for Mman and anything else.</summary>
            private string? Escapes(IMethodSymbol method)
            {
                if (_functions.IsCheckedForwarder(method))
                {
                    return null; // MMAP014's own fix: a call of the checked runtime
                }

                if (_mmaps.Resolve(method) is { } mmap)
                {
                    return mmap.Kind == MmapBindingKind.CheckedMmapRuntime ? null : "mmap";
                }

                if (_mmaps.Known.IsMman(method.ContainingType))
                {
                    return null;
                }

                return _functions.Resolve(method) switch
                {
                    LibcFunction.Munmap => "munmap",
                    LibcFunction.Mremap => "mremap",
                    LibcFunction.Mprotect => "mprotect",
                    LibcFunction.Madvise => "madvise",
                    _ => null,
                };
            }
        }
    }
}

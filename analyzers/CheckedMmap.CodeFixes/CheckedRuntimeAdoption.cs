using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Functions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.CodeFixes
{
    /// <summary>
    /// Adopting the checked runtime: a type's libc bindings of mmap/munmap/mremap/mprotect/madvise become, under
    /// <c>#if CHECKED</c>, methods of the same signature that forward to <c>CheckedMmap.Mman</c> (with the caller's member,
    /// file and line, so reports name the call site, not the forwarder), and stay the original P/Invoke under <c>#else</c>.
    /// Every call site then switches with <c>-p:CheckedMmap=true</c>.
    /// </summary>
    internal static class CheckedRuntimeAdoption
    {
        public const string Title = "Forward these libc bindings to CheckedMmap.Mman under #if CHECKED";
        private const string MmanType = "CheckedMmap.Mman";

        /// <summary>Whether the compilation can call the checked runtime.</summary>
        public static bool IsAvailable(Compilation compilation) => compilation.GetTypeByMetadataName(MmanType) is not null;

        /// <summary>The bindings of <paramref name="type"/> that can be forwarded, in source order.</summary>
        public static List<(MethodDeclarationSyntax Declaration, IMethodSymbol Method, string Function)> Bindings(TypeDeclarationSyntax type, SemanticModel model, CancellationToken cancellationToken)
        {
            var mmaps = new MmapCallResolver(model.Compilation);
            var functions = new LibcFunctionResolver(mmaps);
            var found = new List<(MethodDeclarationSyntax, IMethodSymbol, string)>();
            foreach (MethodDeclarationSyntax declaration in type.Members.OfType<MethodDeclarationSyntax>())
            {
                if (declaration.Body is not null || declaration.ExpressionBody is not null || AfterElse(declaration)
                    || model.GetDeclaredSymbol(declaration, cancellationToken) is not { } method
                    || method.Parameters.Any(p => p.RefKind != RefKind.None))
                {
                    continue;
                }

                string? function = mmaps.Resolve(method) is { Kind: MmapBindingKind.PInvoke } ? "mmap" : functions.Resolve(method) switch
                {
                    LibcFunction.Munmap => "munmap",
                    LibcFunction.Mremap => "mremap",
                    LibcFunction.Mprotect => "mprotect",
                    LibcFunction.Madvise => "madvise",
                    _ => null,
                };
                if (function is not null && Targets(function, method.Parameters.Length) is not null)
                {
                    found.Add((declaration, method, function));
                }
            }

            return found;
        }

        /// <summary>A declaration right after an <c>#else</c> is already the unchecked half of an adopted binding.</summary>
        private static bool AfterElse(SyntaxNode declaration) =>
            declaration.GetLeadingTrivia().Any(t => t.IsKind(SyntaxKind.ElseDirectiveTrivia));

        /// <summary>The checked runtime's parameter types for libc's function with this many parameters; null when it has no such overload.</summary>
        private static string[]? Targets(string function, int parameters) => (function, parameters) switch
        {
            ("mmap", 6) => new[] { "nint", "nuint", "int", "int", "int", "long" },
            ("munmap", 2) => new[] { "nint", "nuint" },
            ("mremap", 4) => new[] { "nint", "nuint", "nuint", "int" },
            ("mremap", 5) => new[] { "nint", "nuint", "nuint", "int", "nint" },
            ("mprotect", 3) or ("madvise", 3) => new[] { "nint", "nuint", "int" },
            _ => null,
        };

        private static SpecialType SpecialTypeOf(string keyword) => keyword switch
        {
            "nint" => SpecialType.System_IntPtr,
            "nuint" => SpecialType.System_UIntPtr,
            "long" => SpecialType.System_Int64,
            _ => SpecialType.System_Int32,
        };

        /// <summary>Rewrites every forwardable binding of the given types (several per document) in one pass per document.</summary>
        public static async Task<Solution> AdoptAsync(Solution solution, IEnumerable<(DocumentId Document, TextSpan TypeSpan)> types, CancellationToken cancellationToken)
        {
            foreach (IGrouping<DocumentId, (DocumentId Document, TextSpan TypeSpan)> inDocument in types.Distinct().GroupBy(t => t.Document))
            {
                if (solution.GetDocument(inDocument.Key) is not { } document
                    || await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root
                    || await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model)
                {
                    continue;
                }

                SourceText text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
                string newLine = text.ToString().Contains("\r\n") ? "\r\n" : "\n";
                var changes = new List<TextChange>();
                foreach ((DocumentId _, TextSpan span) in inDocument)
                {
                    if (root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } type)
                    {
                        continue;
                    }

                    foreach ((MethodDeclarationSyntax declaration, IMethodSymbol method, string function) in Bindings(type, model, cancellationToken))
                    {
                        changes.Add(Rewrite(declaration, method, function, text, newLine));
                    }
                }

                solution = solution.WithDocumentText(document.Id, text.WithChanges(changes.Distinct().OrderBy(c => c.Span.Start)));
            }

            return solution;
        }

        private static TextChange Rewrite(MethodDeclarationSyntax declaration, IMethodSymbol method, string function, SourceText text, string newLine)
        {
            TextLine line = text.Lines.GetLineFromPosition(declaration.SpanStart);
            string indent = text.ToString(TextSpan.FromBounds(line.Start, declaration.SpanStart));
            bool ownLine = indent.Trim().Length == 0;
            if (!ownLine)
            {
                indent = string.Empty; // something precedes the declaration on its line: keep it, and start the directive on a line of its own
            }

            int start = ownLine ? line.Start : declaration.SpanStart;

            // A comment after the declaration on its line stays with it, inside #else, not after #endif.
            TextLine lastLine = text.Lines.GetLineFromPosition(declaration.Span.End);
            bool commentAfter = text.ToString(TextSpan.FromBounds(declaration.Span.End, lastLine.End)).TrimStart().StartsWith("//", System.StringComparison.Ordinal);
            int end = commentAfter ? lastLine.End : declaration.Span.End;
            string original = text.ToString(TextSpan.FromBounds(declaration.SpanStart, end));

            var forwarder = new StringBuilder();
            forwarder.Append(ownLine ? string.Empty : newLine).Append("#if CHECKED").Append(newLine).Append(indent);
            forwarder.Append(string.Join(" ", declaration.Modifiers.Where(m => !m.IsKind(SyntaxKind.ExternKeyword) && !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text)));
            forwarder.Append(' ').Append(declaration.ReturnType.WithoutTrivia().ToString()).Append(' ').Append(declaration.Identifier.Text).Append('(');
            foreach (ParameterSyntax parameter in declaration.ParameterList.Parameters)
            {
                forwarder.Append(parameter.WithoutTrivia().ToString()).Append(", ");
            }

            forwarder.Append("[System.Runtime.CompilerServices.CallerMemberName] string callerMember = \"\", ");
            forwarder.Append("[System.Runtime.CompilerServices.CallerFilePath] string callerFile = \"\", ");
            forwarder.Append("[System.Runtime.CompilerServices.CallerLineNumber] int callerLine = 0) =>").Append(newLine);
            forwarder.Append(indent).Append("    ");

            string resultType = function is "mmap" or "mremap" ? "nint" : "int";
            if (!method.ReturnsVoid && method.ReturnType.SpecialType != SpecialTypeOf(resultType))
            {
                forwarder.Append('(').Append(declaration.ReturnType.WithoutTrivia().ToString()).Append(')');
            }

            forwarder.Append("global::").Append(MmanType).Append('.').Append(function).Append('(');
            string[] targets = Targets(function, method.Parameters.Length)!;
            for (int i = 0; i < targets.Length; i++)
            {
                IParameterSymbol parameter = method.Parameters[i];
                string name = declaration.ParameterList.Parameters[i].Identifier.ToString();
                forwarder.Append(parameter.Type.SpecialType == SpecialTypeOf(targets[i]) ? name : "(" + targets[i] + ")" + name).Append(", ");
            }

            forwarder.Append("callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);").Append(newLine);
            forwarder.Append("#else").Append(newLine).Append(indent).Append(original).Append(newLine).Append("#endif");
            return new TextChange(TextSpan.FromBounds(start, end), forwarder.ToString());
        }
    }
}

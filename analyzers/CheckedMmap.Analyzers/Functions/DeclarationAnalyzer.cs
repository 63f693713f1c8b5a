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
    /// MMAP010: libc bindings of mmap/mmap64, munmap, mprotect, madvise and mremap declared in source unlike libc's
    /// prototypes, and errno read after calling a binding declared without SetLastError. Only files whose text names one
    /// of these functions are read; in them, declarations are found from the text of their import attributes.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class DeclarationAnalyzer : CompilationStartAnalyzer
    {
        private const string GetLastWin32Error = "GetLastWin32Error";
        private const string ImportText = "Import";
        private const string GetLastPInvokeError = "GetLastPInvokeError";

        // new Win32Exception() reads Marshal.GetLastPInvokeError() itself.
        private const string Win32Exception = "Win32Exception";

        private static readonly string[] Words = { LibcText.Word, LibcText.MremapWord, LibcText.MprotectWord, LibcText.MadviseWord };

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DeclarationRule.Type, DeclarationRule.LastError);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            CandidateNames names = CandidateNames.Of(context.Compilation, context.CancellationToken);
            LibcPresence presence = LibcPresence.Of(context.Compilation, context.CancellationToken);
            if (presence.InteropTrees.Count == 0)
            {
                return;
            }

            // Calls are found by the names they are spelled with: mmap's candidates, the libc names, and bindings declared
            // under another name (a renamed munmap is as much a binding as a renamed mprotect).
            string[] spelledNames = presence.MayCallArgumentRuleFunctions ? presence.ArgumentRuleNames : presence.RenamedBindings;
            var session = new Session(context.Compilation, names, spelledNames, presence.InteropTrees);
            context.RegisterSemanticModelAction(session.AnalyzeFile);
        }

        private sealed class Session
        {
            private readonly CandidateNames _names;
            private readonly MmapCallResolver _mmaps;
            private readonly LibcFunctionResolver _functions;
            private readonly string[] _spelledNames;

            private readonly HashSet<SyntaxTree> _interopTrees;

            public Session(Compilation compilation, CandidateNames names, string[] spelledNames, HashSet<SyntaxTree> interopTrees)
            {
                _interopTrees = interopTrees;
                _names = names;
                _mmaps = new MmapCallResolver(compilation);
                _functions = new LibcFunctionResolver(_mmaps);
                _spelledNames = spelledNames;
            }

            public void AnalyzeFile(SemanticModelAnalysisContext context)
            {
                SemanticModel model = context.SemanticModel;
                SyntaxTree tree = model.SyntaxTree;
                CancellationToken cancellationToken = context.CancellationToken;
                bool interop = _interopTrees.Contains(tree);
                List<InvocationExpressionSyntax> calls = _names.CandidateCalls(tree, context.FilterSpan, out _, cancellationToken);
                if ((!interop && calls.Count == 0 && _spelledNames.Length == 0) || !tree.TryGetText(out SourceText? text))
                {
                    // Neither declares a binding nor calls one: the text is not read.
                    return;
                }

                string source = text.ToString();
                bool mayHoldGeneratedCode = GeneratedCode.MayBeIn(source);
                if (interop)
                {
                    // Declarations carry an import attribute: found from the text's "Import" occurrences, not by a walk.
                    SyntaxNode attributesRoot = tree.GetRoot(cancellationToken);
                    var declarations = new HashSet<SyntaxNode>();
                    for (int at = source.IndexOf(ImportText, StringComparison.Ordinal); at >= 0; at = source.IndexOf(ImportText, at + ImportText.Length, StringComparison.Ordinal))
                    {
                        if (attributesRoot.FindToken(at).Parent?.FirstAncestorOrSelf<AttributeSyntax>()?.Parent?.Parent is { } declaration
                            && declaration is MethodDeclarationSyntax or LocalFunctionStatementSyntax
                            && declarations.Add(declaration)
                            && (context.FilterSpan is not { } span || span.IntersectsWith(declaration.Span))
                            && !(mayHoldGeneratedCode && GeneratedCode.Contains(declaration, model, cancellationToken)))
                        {
                            CheckDeclaration(declaration, model, context.ReportDiagnostic, cancellationToken);
                        }
                    }
                }

                // errno reads: in files that read errno (asked first: most files do not) and call mmap (or a wrapper), or a
                // binding by a name it is declared under.
                if (source.IndexOf(GetLastWin32Error, StringComparison.Ordinal) < 0 && source.IndexOf(GetLastPInvokeError, StringComparison.Ordinal) < 0
                    && source.IndexOf(Win32Exception, StringComparison.Ordinal) < 0)
                {
                    return;
                }

                bool spelledCalls = false;
                foreach (string name in _spelledNames)
                {
                    spelledCalls |= source.IndexOf(name, StringComparison.Ordinal) >= 0;
                }

                if (calls.Count == 0 && !spelledCalls)
                {
                    return;
                }

                SyntaxNode root = tree.GetRoot(cancellationToken);
                var seen = new HashSet<InvocationExpressionSyntax>(calls);
                foreach (string word in LibcText.Of(tree, cancellationToken).Mentioned ? Words : Array.Empty<string>())
                {
                    CallOccurrences.Add(root, source, word, StringComparison.OrdinalIgnoreCase, context.FilterSpan, seen, calls, cancellationToken);
                }

                foreach (string name in _spelledNames)
                {
                    CallOccurrences.Add(root, source, name, StringComparison.Ordinal, context.FilterSpan, seen, calls, cancellationToken);
                }

                CheckErrnoReads(calls, model, mayHoldGeneratedCode, context.ReportDiagnostic, cancellationToken);
            }

            // ---- declarations ----

            private void CheckDeclaration(SyntaxNode declaration, SemanticModel model, Action<Diagnostic> report, CancellationToken cancellationToken)
            {
                (TypeSyntax? returnType, ParameterListSyntax? parameters) = declaration switch
                {
                    MethodDeclarationSyntax declared => (declared.ReturnType, declared.ParameterList),
                    LocalFunctionStatementSyntax local => (local.ReturnType, local.ParameterList),
                    _ => ((TypeSyntax?)null, (ParameterListSyntax?)null),
                };
                if (returnType is null || parameters is null || model.GetDeclaredSymbol(declaration, cancellationToken) is not IMethodSymbol method
                    || _functions.IsCheckedForwarder(method))
                {
                    return; // a forwarder declares what the checked runtime takes, not what libc reads
                }

                if (_mmaps.Resolve(method) is { } mmap)
                {
                    string function = mmap.EntryPoint;
                    CheckPointerSized(returnType, method.ReturnType, function, "its result", "void* (pointer-sized)", DeclarationRule.WidenToNint, report);
                    CheckParameter(parameters, method, 0, function, "the address", "void* (pointer-sized)", DeclarationRule.WidenToNint, CheckPointerSized, report);
                    CheckParameter(parameters, method, 1, function, "the length", "size_t (pointer-sized)", DeclarationRule.WidenToNuint, CheckPointerSized, report);
                    CheckParameter(parameters, method, 5, function, "the offset", "off_t (64 bits)", DeclarationRule.WidenToLong, Check64Bits, report);
                    return;
                }

                LibcFunction libc = _functions.Resolve(method);
                string entry = FunctionName(libc);
                switch (libc)
                {
                    case LibcFunction.Munmap:
                    case LibcFunction.Mprotect:
                    case LibcFunction.Madvise:
                        if (method.ReturnType.SpecialType == SpecialType.System_Boolean)
                        {
                            // No fix: the callers' tests of a bool would turn into tests of an int.
                            report(Diagnostic.Create(DeclarationRule.Type, returnType.GetLocation(), (ImmutableDictionary<string, string?>?)null, entry, "its result", Display(returnType), "int",
                                "a bool result reads zero as false, so success (0) reads as false and failure (-1) as true"));
                        }
                        else if (method.ReturnType.SpecialType is not (SpecialType.System_Int32 or SpecialType.System_Void))
                        {
                            // void reads nothing: a result left unread is not a declaration that reads it wrong.
                            report(Diagnostic.Create(DeclarationRule.Type, returnType.GetLocation(), WidenTo(method.ReturnType, DeclarationRule.WidenToInt), entry, "its result", Display(returnType), "int",
                                "the 0 / -1 result is read from a register whose upper bits are not defined"));
                        }

                        // munmap(void* addr, size_t length), mprotect and madvise alike: a narrow address or length cuts
                        // what is unmapped or changed.
                        CheckParameter(parameters, method, 0, entry, "the address", "void* (pointer-sized)", DeclarationRule.WidenToNint, CheckPointerSized, report);
                        CheckParameter(parameters, method, 1, entry, "the length", "size_t (pointer-sized)", DeclarationRule.WidenToNuint, CheckPointerSized, report);
                        break;
                    case LibcFunction.Mremap:
                        CheckPointerSized(returnType, method.ReturnType, entry, "its result", "void* (pointer-sized)", DeclarationRule.WidenToNint, report);
                        CheckParameter(parameters, method, 1, entry, "the old size", "size_t (pointer-sized)", DeclarationRule.WidenToNuint, CheckPointerSized, report);
                        CheckParameter(parameters, method, 2, entry, "the new size", "size_t (pointer-sized)", DeclarationRule.WidenToNuint, CheckPointerSized, report);
                        break;
                }
            }

            private static string FunctionName(LibcFunction function) => function switch
            {
                LibcFunction.Munmap => "munmap",
                LibcFunction.Mremap => "mremap",
                LibcFunction.Mprotect => "mprotect",
                LibcFunction.Madvise => "madvise",
                _ => "mmap",
            };

            private delegate void TypeCheck(TypeSyntax syntax, ITypeSymbol type, string function, string what, string libc, string widenTo, Action<Diagnostic> report);

            private static void CheckParameter(ParameterListSyntax parameters, IMethodSymbol method, int ordinal, string function, string what, string libc, string widenTo, TypeCheck check, Action<Diagnostic> report)
            {
                if (ordinal < method.Parameters.Length && ordinal < parameters.Parameters.Count && parameters.Parameters[ordinal].Type is { } syntax)
                {
                    check(syntax, method.Parameters[ordinal].Type, function, what, libc, widenTo, report);
                }
            }

            /// <summary>The type the code fix writes, for a plain integer type; an enum (or anything else) gets no fix.</summary>
            private static ImmutableDictionary<string, string?>? WidenTo(ITypeSymbol declared, string widenTo) =>
                declared.TypeKind == TypeKind.Enum ? null : ImmutableDictionary<string, string?>.Empty.Add(DeclarationRule.WidenToProperty, widenTo);

            private static void CheckPointerSized(TypeSyntax syntax, ITypeSymbol type, string function, string what, string libc, string widenTo, Action<Diagnostic> report)
            {
                if (Width(type) is int bits && bits < 64)
                {
                    report(Diagnostic.Create(DeclarationRule.Type, syntax.GetLocation(), WidenTo(type, widenTo), function, what, Display(syntax), libc,
                        "on 64-bit the value is truncated to " + bits.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bits"));
                }
            }

            private static void Check64Bits(TypeSyntax syntax, ITypeSymbol type, string function, string what, string libc, string widenTo, Action<Diagnostic> report)
            {
                if (Width(type) is int bits && bits < 64)
                {
                    // A signed type cannot even hold the top half of its range: an int offset stops at 2^31.
                    int limit = IsSigned(type) ? bits - 1 : bits;
                    report(Diagnostic.Create(DeclarationRule.Type, syntax.GetLocation(), WidenTo(type, widenTo), function, what, Display(syntax), libc,
                        "offsets at or above 2^" + limit.ToString(System.Globalization.CultureInfo.InvariantCulture) + " cannot be passed, and the upper half of the register is not defined"));
                }
            }

            private static bool IsSigned(ITypeSymbol type)
            {
                if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
                {
                    type = underlying;
                }

                return type.SpecialType is SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_Int32;
            }

            /// <summary>The width of an integer type narrower than 64 bits (enums through their underlying type); null for any other type.</summary>
            private static int? Width(ITypeSymbol type)
            {
                if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
                {
                    type = underlying;
                }

                return type.SpecialType switch
                {
                    SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Boolean => 8,
                    SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Char => 16,
                    SpecialType.System_Int32 or SpecialType.System_UInt32 => 32,
                    _ => null,
                };
            }

            /// <summary>The type as the declaration writes it (<c>IntPtr</c> stays IntPtr, which symbols display as nint).</summary>
            private static string Display(TypeSyntax type) => type.ToString();

            // ---- errno reads ----

            /// <summary>
            /// Each errno read of a body is about the binding call that runs last before it (the closest one before it in
            /// the text, in the same body); it is reported when that binding does not set the last error.
            /// </summary>
            private void CheckErrnoReads(List<InvocationExpressionSyntax> calls, SemanticModel model, bool mayHoldGeneratedCode, Action<Diagnostic> report, CancellationToken cancellationToken)
            {
                var bindings = new List<(InvocationExpressionSyntax Call, IMethodSymbol Method, SyntaxNode Body)>();
                foreach (InvocationExpressionSyntax call in calls)
                {
                    if (model.GetOperation(call, cancellationToken) is IInvocationOperation invocation && IsBinding(invocation.TargetMethod)
                        && EnclosingBody(call) is { } body)
                    {
                        bindings.Add((call, invocation.TargetMethod, body));
                    }
                }

                // One walk per body, whatever the number of its binding calls: each errno read is matched to the last binding
                // call before it by a binary search over the body's calls in text order (a walk of the body per call, and a
                // scan of every call per read, made a body of n calls and n reads cost n^3).
                var byBody = new Dictionary<SyntaxNode, List<(InvocationExpressionSyntax Call, IMethodSymbol Method)>>();
                foreach ((InvocationExpressionSyntax call, IMethodSymbol method, SyntaxNode body) in bindings)
                {
                    if (!byBody.TryGetValue(body, out var inBody))
                    {
                        byBody[body] = inBody = new List<(InvocationExpressionSyntax, IMethodSymbol)>();
                    }

                    inBody.Add((call, method));
                }

                HashSet<string>? aliases = null;
                foreach (KeyValuePair<SyntaxNode, List<(InvocationExpressionSyntax Call, IMethodSymbol Method)>> pair in byBody)
                {
                    SyntaxNode body = pair.Key;
                    List<(InvocationExpressionSyntax Call, IMethodSymbol Method)> inBody = pair.Value;
                    if (!inBody.Exists(b => !SetsLastError(b.Method)))
                    {
                        continue; // every binding of the body sets the last error: no read of it can be reported
                    }

                    aliases ??= Win32ExceptionAliases(model.SyntaxTree.GetRoot(cancellationToken));
                    List<TextSpan>? nativeCalls = null; // found once per body, when a read is first about to be reported
                    inBody.Sort((a, b) => a.Call.SpanStart.CompareTo(b.Call.SpanStart));
                    var judged = new Dictionary<InvocationExpressionSyntax, bool>();
                    foreach (SyntaxNode node in body.DescendantNodes())
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        bool created = node is BaseObjectCreationExpressionSyntax { ArgumentList: null or { Arguments.Count: <= 2 } } creation
                            && (creation is ImplicitObjectCreationExpressionSyntax || creation is ObjectCreationExpressionSyntax { Type: var type } && RightmostName(type) is { } typeName
                                && (typeName == Win32Exception || aliases.Contains(typeName)));
                        if (!(created || node is InvocationExpressionSyntax call && CallNames.InvokedName(call.Expression) is GetLastWin32Error or GetLastPInvokeError)
                            || EnclosingBody(node) != body || LastBindingBefore(inBody, node) is not { } last)
                        {
                            continue;
                        }

                        ExpressionSyntax read = (ExpressionSyntax)node;

                        if (!judged.TryGetValue(last.Call, out bool reports))
                        {
                            reports = !SetsLastError(last.Method) && !(mayHoldGeneratedCode && GeneratedCode.Contains(last.Call, model, cancellationToken));
                            judged[last.Call] = reports;
                        }

                        if (reports && ErrnoRead(read, model, cancellationToken) is { } what
                            && !NativeCallBetween(nativeCalls ??= NativeCallsIn(body, model, cancellationToken), last.Call, read))
                        {
                            // The binding's declaration in source, where the code fix adds SetLastError = true.
                            Location[] declaration = ImportDeclaration(last.Method) is { } at ? new[] { at } : Array.Empty<Location>();
                            report(Diagnostic.Create(DeclarationRule.LastError, read.GetLocation(), declaration, what, last.Method.Name));
                        }
                    }
                }
            }

            /// <summary>
            /// How the message names an errno read: <c>Marshal.GetLastPInvokeError()</c>, <c>Marshal.GetLastWin32Error()</c>, or
            /// <c>new Win32Exception()</c> (its parameterless constructor reads GetLastPInvokeError); null for anything else.
            /// </summary>
            private static string? ErrnoRead(ExpressionSyntax read, SemanticModel model, CancellationToken cancellationToken)
            {
                ISymbol? symbol = model.GetSymbolInfo(read, cancellationToken).Symbol;
                // Win32Exception(), (string) and (string, Exception) read the last error themselves; (int …) take theirs.
                if (symbol is IMethodSymbol { MethodKind: MethodKind.Constructor, ContainingType: { Name: Win32Exception } exception } constructor
                    && exception.ContainingNamespace?.ToDisplayString() == "System.ComponentModel"
                    && (constructor.Parameters.Length == 0 || constructor.Parameters[0].Type.SpecialType == SpecialType.System_String))
                {
                    return constructor.Parameters.Length == 0
                        ? "new Win32Exception() (which reads Marshal.GetLastPInvokeError())"
                        : "new Win32Exception(message) (which reads Marshal.GetLastPInvokeError())";
                }

                return symbol is IMethodSymbol { ContainingType: { Name: "Marshal" } marshal } errno
                    && marshal.ContainingNamespace?.ToDisplayString() == "System.Runtime.InteropServices"
                    ? "Marshal." + errno.Name + "()"
                    : null;
            }

            /// <summary>The names a file's using aliases give Win32Exception (<c>using W32 = System.ComponentModel.Win32Exception;</c>).</summary>
            private static HashSet<string> Win32ExceptionAliases(SyntaxNode root)
            {
                var aliases = new HashSet<string>(StringComparer.Ordinal);
                foreach (UsingDirectiveSyntax directive in System.Linq.Enumerable.OfType<UsingDirectiveSyntax>(root.DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax)))
                {
                    if (directive.Alias is { } alias && directive.Name is { } name && RightmostName(name) == Win32Exception)
                    {
                        aliases.Add(alias.Name.Identifier.ValueText);
                    }
                }

                return aliases;
            }

            /// <summary>The spans of the body's calls of native functions (any P/Invoke: close, VirtualFree), in text order.</summary>
            private static List<TextSpan> NativeCallsIn(SyntaxNode body, SemanticModel model, CancellationToken cancellationToken)
            {
                var spans = new List<TextSpan>();
                foreach (SyntaxNode node in body.DescendantNodes())
                {
                    if (node is InvocationExpressionSyntax call && EnclosingBody(call) == body
                        && model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol method && IsNative(method))
                    {
                        spans.Add(call.Span);
                    }
                }

                spans.Sort((a, b) => a.Start.CompareTo(b.Start));
                return spans;
            }

            /// <summary>
            /// Whether another native call runs between the binding call and the errno read (it starts after the binding
            /// ends and ends before the read): the read is then about that call, whose declaration is not this rule's business.
            /// </summary>
            private static bool NativeCallBetween(List<TextSpan> nativeCalls, InvocationExpressionSyntax binding, ExpressionSyntax read)
            {
                int low = 0, high = nativeCalls.Count - 1, first = nativeCalls.Count;
                while (low <= high)
                {
                    int mid = (low + high) / 2;
                    if (nativeCalls[mid].Start >= binding.Span.End)
                    {
                        first = mid;
                        high = mid - 1;
                    }
                    else
                    {
                        low = mid + 1;
                    }
                }

                for (int i = first; i < nativeCalls.Count && nativeCalls[i].Start < read.SpanStart; i++)
                {
                    if (nativeCalls[i].End <= read.SpanStart)
                    {
                        return true;
                    }
                }

                return false;
            }

            /// <summary>A P/Invoke: DllImport, or a LibraryImport declaration (the generator's partial method).</summary>
            private static bool IsNative(IMethodSymbol method) => method.GetDllImportData() is not null || LibraryImportOf(method) is not null;

            /// <summary>The LibraryImport (or GeneratedDllImport) attribute on any part of the method; null when it has none.</summary>
            private static AttributeData? LibraryImportOf(IMethodSymbol method)
            {
                foreach (IMethodSymbol part in new[] { method, method.PartialDefinitionPart ?? method, method.PartialImplementationPart ?? method })
                {
                    foreach (AttributeData attribute in part.GetAttributes())
                    {
                        if (attribute.AttributeClass?.Name is "LibraryImportAttribute" or "GeneratedDllImportAttribute")
                        {
                            return attribute;
                        }
                    }
                }

                return null;
            }

            private static string? RightmostName(TypeSyntax type) => type switch
            {
                QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
                SimpleNameSyntax simple => simple.Identifier.ValueText,
                _ => null,
            };

            /// <summary>
            /// The binding call of the body that ends last before <paramref name="read"/> starts (the one that starts last
            /// among those); <paramref name="inBody"/> is in text order. Calls that contain the read (its arguments) are passed.
            /// </summary>
            private static (InvocationExpressionSyntax Call, IMethodSymbol Method)? LastBindingBefore(List<(InvocationExpressionSyntax Call, IMethodSymbol Method)> inBody, SyntaxNode read)
            {
                int low = 0, high = inBody.Count - 1, before = -1;
                while (low <= high)
                {
                    int middle = low + ((high - low) / 2);
                    if (inBody[middle].Call.SpanStart < read.SpanStart)
                    {
                        before = middle;
                        low = middle + 1;
                    }
                    else
                    {
                        high = middle - 1;
                    }
                }

                for (int i = before; i >= 0; i--)
                {
                    if (inBody[i].Call.Span.End < read.SpanStart)
                    {
                        return inBody[i];
                    }
                }

                return null;
            }

            /// <summary>The import attribute of a binding declared in source (the user's part of a LibraryImport partial method).</summary>
            private static Location? ImportDeclaration(IMethodSymbol method)
            {
                IMethodSymbol declared = method.PartialDefinitionPart ?? method;
                foreach (AttributeData attribute in declared.GetAttributes())
                {
                    if (attribute.AttributeClass?.Name is "DllImportAttribute" or "LibraryImportAttribute" or "GeneratedDllImportAttribute"
                        && attribute.ApplicationSyntaxReference is { } reference)
                    {
                        return Location.Create(reference.SyntaxTree, reference.Span);
                    }
                }

                return null;
            }

            private static SyntaxNode? EnclosingBody(SyntaxNode node) =>
                node.FirstAncestorOrSelf<SyntaxNode>(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax or AnonymousFunctionExpressionSyntax or GlobalStatementSyntax);

            /// <summary>A P/Invoke of mmap or the other functions; Mono.Posix, Tmds.LibC and CheckedMmap.Mman set errno their own way.</summary>
            private bool IsBinding(IMethodSymbol method)
            {
                INamedTypeSymbol? container = method.ContainingType;
                if (_mmaps.Known.IsMman(container) || _mmaps.Known.IsMonoSyscall(container) || _mmaps.Known.IsTmdsLibC(container)
                    || _functions.IsCheckedForwarder(method))
                {
                    return false;
                }

                return _mmaps.Resolve(method) is not null || _functions.Resolve(method) != LibcFunction.None;
            }

            private static bool SetsLastError(IMethodSymbol method)
            {
                if (method.GetDllImportData() is { } data)
                {
                    return data.SetLastError;
                }

                if (LibraryImportOf(method) is not { } import)
                {
                    return true; // Not an import we can read: say nothing.
                }

                foreach (KeyValuePair<string, TypedConstant> named in import.NamedArguments)
                {
                    if (named.Key == "SetLastError" && named.Value.Kind != TypedConstantKind.Array && named.Value.Value is true)
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }
}

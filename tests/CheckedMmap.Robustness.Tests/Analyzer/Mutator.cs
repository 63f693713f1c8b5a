using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Robustness.Tests.Analyzer;

/// <summary>
/// Mutates a valid C# source with edits computed against ONE parse of it (non-overlapping, applied together), so a
/// case costs a single parse for mutation and a single parse for analysis. Every operator is deterministic in the
/// Random it is given, so (seed, case) reproduces the exact text.
/// </summary>
internal sealed class Mutator
{
    private delegate bool Operator(Mutator m);

    private static readonly (string Name, int Weight, Operator Op)[] s_operators =
    [
        ("delete-token", 10, m => m.DeleteToken()),
        ("duplicate-token", 6, m => m.DuplicateToken()),
        ("swap-adjacent-tokens", 6, m => m.SwapTokens(adjacent: true)),
        ("swap-distant-tokens", 4, m => m.SwapTokens(adjacent: false)),
        ("insert-token", 6, m => m.InsertToken()),
        ("replace-literal", 12, m => m.ReplaceLiteral()),
        ("replace-identifier", 8, m => m.ReplaceIdentifier()),
        ("replace-operator", 5, m => m.ReplaceOperator()),
        ("argument-edit", 14, m => m.EditArguments()),
        ("parameter-list", 8, m => m.EditParameters()),
        ("attribute-edit", 5, m => m.EditAttribute()),
        ("relocate-call", 8, m => m.RelocateCall()),
        ("member-edit", 4, m => m.EditMember()),
        ("line-edit", 4, m => m.EditLine()),
        ("preprocessor", 3, m => m.InsertDirective()),
        ("garbage", 2, m => m.InsertGarbage()),
        ("truncate", 5, m => m.Truncate()),
    ];

    private static readonly int s_totalWeight = s_operators.Sum(o => o.Weight);

    private static readonly string[] s_numbers =
    [
        "0", "-1", "1", "2", "3", "4", "7", "0x20", "0x22", "0x21", "0x23", "0x32", "0x1002", "0x10", "0x11", "0x4022", "0x100022",
        "4096", "4097", "8192", "-4096", "int.MinValue", "int.MaxValue", "long.MinValue", "long.MaxValue", "ulong.MaxValue",
        "uint.MaxValue", "0xFFFFFFFF", "0xFFFFFFFFFFFFFFFF", "0x8000000000000000", "-2147483648", "9223372036854775807",
        "18446744073709551615", "99999999999999999999999", "1e308", "0.5", "'x'", "null", "default", "1UL << 63",
        "(nuint)(-1)", "0b1010", "1_000", "0x_22", "0L", "-0", "unchecked((int)0x80000000)", "~0", "1 << 31", "(nint)(-1)",
    ];

    private static readonly string[] s_strings =
    [
        "\"mmap\"", "\"mmap64\"", "\"munmap\"", "\"mremap\"", "\"mprotect\"", "\"madvise\"", "\"SystemNative_MMap\"",
        "\"Mono_Posix_Syscall_mmap\"", "\"\"", "null", "\"libc\"", "\"MMAP\"", "\"mmap\\0\"", "\"#mmap\"", "@\"mmap\"",
        "\"\"\"mmap\"\"\"", "$\"mm{\"ap\"}\"", "\"mm\" + \"ap\"", "nameof(mmap)", "\"libc.so.6\"", "default", "\"\\uD800\"",
    ];

    private static readonly string[] s_identifiers =
    [
        "mmap", "mmap64", "munmap", "mremap", "mprotect", "madvise", "MAP_FIXED", "MAP_SHARED", "MAP_PRIVATE", "MAP_ANONYMOUS",
        "MAP_ANON", "Anonymous", "Shared", "Fixed", "PROT_EXEC", "PROT_NONE", "PROT_READ", "Mman", "var", "dynamic", "nameof",
        "value", "global", "_", "@class", "Unknown", "T", "System", "IntPtr", "nint", "nuint", "await", "yield", "async",
        "this", "base", "MAP_FAILED", "Syscall", "LibC", "Interop", "DllImport", "LibraryImport", "EntryPoint", "flags", "prot",
    ];

    private static readonly string[] s_insertions =
    [
        "(", ")", "{", "}", "[", "]", ",", ";", "|", "&", "^", "~", "!", "-", "+", "?", "??", ":", "=", "=>", "|=", "ref", "out",
        "in", "params", "static", "new", "default", "null", "\"", "'", "/*", "//", "@", "$\"{", "unsafe", "fixed", "stackalloc",
        "__arglist", "checked", "typeof(", "sizeof(", "is", "as", "switch", "when", "delegate", "<", ">", ".", "?.", "!", "..",
        "^1", "await", "yield return", "throw", "goto", "::", "->", "*", "&&", "<<", "0x", "\\",
    ];

    private static readonly string[] s_binaryOperators = ["|", "&", "^", "+", "-", "*", "<<", ">>", ">>>", "||", "&&", "??", "==", "!=", "<", "%", "/"];

    private static readonly string[] s_parameterTypes =
    [
        "System.IntPtr", "nint", "nuint", "void*", "int", "uint", "long", "ulong", "short", "byte", "string", "object", "dynamic",
        "T", "int[]", "int?", "System.Span<byte>", "System.IntPtr*", "delegate*<int>", "Microsoft.Win32.SafeHandles.SafeFileHandle",
        "(int, int)", "bool", "double", "decimal", "System.DayOfWeek", "System.UIntPtr", "Unknown", "ref int", "char",
    ];

    private static readonly string[] s_parameterModifiers = ["", "", "", "", "ref ", "out ", "in ", "params ", "this ", "scoped ref ", "ref readonly "];

    private static readonly string[] s_parameterNames = ["addr", "length", "prot", "flags", "fd", "offset", "start", "len", "advice", "x"];

    private static readonly string[] s_defaults = ["", "", "", " = -1", " = 0x22", " = default", " = null", " = \"x\"", " = 4096", " = 0x10"];

    private static readonly string[] s_directives =
    [
        "#if FOO\n", "#if CHECKED\n", "#endif\n", "#else\n", "#elif X\n", "#nullable disable\n", "#pragma warning disable MMAP001\n",
        "#line 1 \"x.g.cs\"\n", "#line hidden\n", "#line default\n", "#define CHECKED\n", "#region r\n", "#endregion\n", "#error x\n",
        "// <auto-generated/>\n", "#pragma warning restore\n", "#if\n", "#undef CHECKED\n", "#nullable enable annotations\n",
    ];

    private static readonly string[] s_garbage =
    [
        "\0", "\uFFFF", "\uD800", "\u200B", "#", "\"", "'", "/*", "@\"", "$\"{", "\\", "`", "\u00AB", "\u0101", "\u0660", "\r", "\t\v\f",
        "\"\"\"", "$$\"\"\"{{", "/**", "<!--", "\u2028", "\uFEFF",
    ];

    private readonly Random _rng;
    private readonly SourceText _text;
    private readonly SyntaxNode _root;
    private readonly SyntaxToken[] _tokens;
    private readonly List<TextChange> _changes = new();
    private readonly List<string> _log = new();
    private int _truncateAt = -1;

    private Mutator(SyntaxTree tree, Random rng)
    {
        _rng = rng;
        _text = tree.GetText();
        _root = tree.GetRoot();
        _tokens = _root.DescendantTokens(descendIntoTrivia: false).Where(t => !t.IsKind(SyntaxKind.EndOfFileToken) && t.Span.Length > 0).ToArray();
    }

    /// <summary>Applies 1 to <paramref name="maxOperators"/> operators; returns the new text and what was done.</summary>
    /// <remarks>The seed's tree is parsed once per seed and shared by every case (trees are immutable).</remarks>
    public static (string Text, IReadOnlyList<string> Log) Mutate(SyntaxTree tree, Random rng, int maxOperators = 4)
    {
        var m = new Mutator(tree, rng);
        int wanted = 1 + rng.Next(maxOperators);
        for (int attempt = 0; attempt < wanted * 4 && m._log.Count < wanted; attempt++)
        {
            int pick = rng.Next(s_totalWeight);
            foreach (var (name, weight, op) in s_operators)
            {
                if (pick < weight)
                {
                    int before = m._log.Count;
                    if (op(m) && m._log.Count == before)
                    {
                        m._log.Add(name);
                    }

                    break;
                }

                pick -= weight;
            }
        }

        return (m.Apply(), m._log);
    }

    private string Apply()
    {
        var changes = _changes.Where(c => _truncateAt < 0 || c.Span.End <= _truncateAt).OrderBy(c => c.Span.Start).ToList();
        string result = _text.WithChanges(changes).ToString();
        if (_truncateAt >= 0)
        {
            int shift = changes.Sum(c => c.NewText!.Length - c.Span.Length);
            result = result.Substring(0, Math.Clamp(_truncateAt + shift, 0, result.Length));
        }

        return result;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    private bool TryAdd(string description, params TextChange[] changes)
    {
        foreach (TextChange c in changes)
        {
            foreach (TextChange existing in _changes.Concat(changes.Where(x => !x.Equals(c))))
            {
                bool overlap = c.Span.Start < existing.Span.End && existing.Span.Start < c.Span.End;
                bool samePoint = c.Span.Start == existing.Span.Start;
                if (overlap || samePoint)
                {
                    return false;
                }
            }
        }

        _changes.AddRange(changes);
        _log.Add(description);
        return true;
    }

    private static string Short(string s) => s.Length <= 40 ? s : s.Substring(0, 37) + "...";

    /// <summary>Prefers tokens inside mmap-ish invocations and declarations, where the analyzer looks hardest.</summary>
    private SyntaxToken PickToken()
    {
        if (_rng.Next(3) > 0)
        {
            var hot = _tokens.Where(t => IsHot(t.Parent)).ToArray();
            if (hot.Length > 0)
            {
                return Pick(hot);
            }
        }

        return Pick(_tokens);
    }

    private static bool IsHot(SyntaxNode? node)
    {
        for (; node != null; node = node.Parent)
        {
            switch (node)
            {
                case InvocationExpressionSyntax inv:
                    return inv.Expression.ToString().Contains("map", StringComparison.OrdinalIgnoreCase);
                case MethodDeclarationSyntax method:
                    return method.Identifier.Text.Contains("map", StringComparison.OrdinalIgnoreCase) || method.AttributeLists.Count > 0;
                case FieldDeclarationSyntax or PropertyDeclarationSyntax or EnumMemberDeclarationSyntax:
                    return true;
            }
        }

        return false;
    }

    private bool DeleteToken()
    {
        if (_tokens.Length == 0) return false;
        var t = PickToken();
        return TryAdd($"delete-token '{Short(t.Text)}'@{t.SpanStart}", new TextChange(t.Span, ""));
    }

    private bool DuplicateToken()
    {
        if (_tokens.Length == 0) return false;
        var t = PickToken();
        return TryAdd($"duplicate-token '{Short(t.Text)}'@{t.SpanStart}", new TextChange(new TextSpan(t.Span.End, 0), " " + t.Text));
    }

    private bool SwapTokens(bool adjacent)
    {
        if (_tokens.Length < 2) return false;
        int i = Array.IndexOf(_tokens, PickToken());
        int j = adjacent ? (i + 1 < _tokens.Length ? i + 1 : i - 1) : _rng.Next(_tokens.Length);
        if (i == j || i < 0) return false;
        var a = _tokens[Math.Min(i, j)];
        var b = _tokens[Math.Max(i, j)];
        if (a.Span.OverlapsWith(b.Span)) return false;
        return TryAdd($"swap-tokens '{Short(a.Text)}'@{a.SpanStart} <-> '{Short(b.Text)}'@{b.SpanStart}",
            new TextChange(a.Span, b.Text), new TextChange(b.Span, a.Text));
    }

    private bool InsertToken()
    {
        if (_tokens.Length == 0) return false;
        var t = PickToken();
        string s = Pick(s_insertions);
        bool before = _rng.Next(2) == 0;
        int at = before ? t.SpanStart : t.Span.End;
        return TryAdd($"insert-token '{s}'@{at}", new TextChange(new TextSpan(at, 0), " " + s + " "));
    }

    private bool ReplaceLiteral()
    {
        var literals = _tokens.Where(t => t.IsKind(SyntaxKind.NumericLiteralToken) || t.IsKind(SyntaxKind.StringLiteralToken)).ToArray();
        if (literals.Length == 0) return false;
        var t = Pick(literals);
        string replacement;
        if (t.IsKind(SyntaxKind.StringLiteralToken))
        {
            replacement = Pick(s_strings);
        }
        else
        {
            replacement = _rng.Next(4) switch
            {
                0 => _rng.Next(int.MinValue, int.MaxValue).ToString(CultureInfo.InvariantCulture),
                1 => "0x" + ((ulong)_rng.NextInt64() << _rng.Next(2)).ToString("x", CultureInfo.InvariantCulture),
                2 => (1L << _rng.Next(63)).ToString(CultureInfo.InvariantCulture) + Pick(new[] { "", "L", "UL", "u", "m", "f", "d" }),
                _ => Pick(s_numbers),
            };
        }

        return TryAdd($"replace-literal '{Short(t.Text)}'@{t.SpanStart} -> '{replacement}'", new TextChange(t.Span, replacement));
    }

    private bool ReplaceIdentifier()
    {
        var ids = _tokens.Where(t => t.IsKind(SyntaxKind.IdentifierToken)).ToArray();
        if (ids.Length == 0) return false;
        var t = _rng.Next(3) == 0 ? Pick(ids) : PickHot(ids);
        string replacement = _rng.Next(2) == 0 ? Pick(s_identifiers) : Pick(ids).Text;
        return TryAdd($"replace-identifier '{t.Text}'@{t.SpanStart} -> '{replacement}'", new TextChange(t.Span, replacement));
    }

    private SyntaxToken PickHot(SyntaxToken[] from)
    {
        var hot = from.Where(t => IsHot(t.Parent)).ToArray();
        return hot.Length > 0 ? Pick(hot) : Pick(from);
    }

    private bool ReplaceOperator()
    {
        var ops = _root.DescendantNodes().OfType<BinaryExpressionSyntax>().Select(b => b.OperatorToken)
            .Concat(_root.DescendantNodes().OfType<AssignmentExpressionSyntax>().Select(a => a.OperatorToken)).ToArray();
        if (ops.Length == 0) return false;
        var t = PickHot(ops);
        string replacement = t.Text.EndsWith('=') && t.Text.Length > 1 ? Pick(new[] { "|=", "&=", "^=", "+=", "-=", "=", "<<=", ">>=", "??=" }) : Pick(s_binaryOperators);
        return TryAdd($"replace-operator '{t.Text}'@{t.SpanStart} -> '{replacement}'", new TextChange(t.Span, replacement));
    }

    private bool EditArguments()
    {
        var lists = _root.DescendantNodes().OfType<BaseArgumentListSyntax>().ToArray();
        if (lists.Length == 0) return false;
        var hot = lists.Where(l => l.Parent is InvocationExpressionSyntax inv && inv.Expression.ToString().Contains("map", StringComparison.OrdinalIgnoreCase)).ToArray();
        var list = hot.Length > 0 && _rng.Next(4) > 0 ? Pick(hot) : Pick(lists);
        var args = list.Arguments;
        int n = args.Count;
        int k = n == 0 ? 0 : _rng.Next(n);
        switch (_rng.Next(n == 0 ? 1 : 10))
        {
            case 0:
            {
                string extra = Pick(s_numbers);
                int at = list.Arguments.Count == 0 ? list.OpenBracketOrParen().Span.End : args.Last().Span.End;
                return TryAdd($"argument-add '{extra}'@{at}", new TextChange(new TextSpan(at, 0), (n == 0 ? "" : ", ") + extra));
            }
            case 1:
            {
                // Delete argument k together with one separator.
                TextSpan span = args.Count == 1 ? args[0].Span
                    : k < args.SeparatorCount ? TextSpan.FromBounds(args[k].SpanStart, args.GetSeparator(k).Span.End)
                    : TextSpan.FromBounds(args.GetSeparator(k - 1).SpanStart, args[k].Span.End);
                return TryAdd($"argument-delete #{k} '{Short(args[k].ToString())}'", new TextChange(span, ""));
            }
            case 2:
                return TryAdd($"argument-duplicate #{k}", new TextChange(new TextSpan(args[k].Span.End, 0), ", " + args[k]));
            case 3:
            {
                if (n < 2) return false;
                int j = _rng.Next(n);
                if (j == k) return false;
                return TryAdd($"argument-swap #{k} <-> #{j}", new TextChange(args[k].Span, args[j].ToString()), new TextChange(args[j].Span, args[k].ToString()));
            }
            case 4:
            {
                var a = args[k];
                if (a.NameColon != null)
                {
                    return _rng.Next(2) == 0
                        ? TryAdd($"argument-unname #{k}", new TextChange(a.NameColon.Span, ""))
                        : TryAdd($"argument-rename #{k}", new TextChange(a.NameColon.Name.Span, Pick(s_parameterNames)));
                }

                string name = Pick(s_parameterNames);
                return TryAdd($"argument-name #{k} '{name}:'", new TextChange(new TextSpan(a.SpanStart, 0), name + ": "));
            }
            case 5:
            {
                string kind = Pick(new[] { "ref ", "out ", "in ", "out var _v" + k + " = ", "params " });
                return TryAdd($"argument-refkind #{k} '{kind.Trim()}'", new TextChange(new TextSpan(args[k].Expression.SpanStart, 0), kind));
            }
            case 6:
            {
                string wrap = Pick(new[]
                {
                    "(System.DateTime.Now.Second > 0 ? {0} : 0x10)", "(int)({0})", "(object)({0})", "(dynamic)({0})", "({0} | 0x4000)",
                    "({0} & ~0x20)", "({0} ^ 0x22)", "-({0})", "~({0})", "checked({0})", "unchecked({0})", "({0})!", "__arglist({0})",
                    "(flags |= {0})", "({0} switch {{ _ => 0x22 }})", "(() => {0})", "nameof({0})", "({0}, {0})", "new[] {{ {0} }}",
                    "default({0})", "typeof({0})", "{0}.ToString()", "({0} is int i ? i : -1)", "await {0}", "throw new System.Exception()",
                });
                string text = string.Format(CultureInfo.InvariantCulture, wrap, args[k].Expression);
                return TryAdd($"argument-wrap #{k} '{Short(wrap)}'", new TextChange(args[k].Expression.Span, text));
            }
            case 7:
            {
                string replacement = Pick(new[] { "default", "null", "-1", "0", "\"x\"", "new object()", "args", "this", "base", "_", "value", "(1, 2)", "() => 0", "int.MinValue", "ulong.MaxValue" });
                return TryAdd($"argument-replace #{k} -> '{replacement}'", new TextChange(args[k].Expression.Span, replacement));
            }
            case 8:
                // Truncate inside this argument list: a half-typed call.
                _truncateAt = args[k].Span.End - _rng.Next(args[k].Span.Length + 1);
                _log.Add($"truncate-in-arguments @{_truncateAt}");
                return true;
            default:
                return TryAdd($"argument-list-empty", new TextChange(TextSpan.FromBounds(list.OpenBracketOrParen().Span.End, list.CloseBracketOrParen().SpanStart), ""));
        }
    }

    private bool EditParameters()
    {
        var methods = _root.DescendantNodes().OfType<BaseMethodDeclarationSyntax>()
            .Where(m => m.AttributeLists.Count > 0 || (m is MethodDeclarationSyntax md && md.Identifier.Text.Contains("map", StringComparison.OrdinalIgnoreCase)))
            .ToArray();
        if (methods.Length == 0)
        {
            methods = _root.DescendantNodes().OfType<BaseMethodDeclarationSyntax>().ToArray();
        }

        if (methods.Length == 0) return false;
        var method = Pick(methods);
        var parameters = method.ParameterList;
        switch (_rng.Next(5))
        {
            case 0 when method is MethodDeclarationSyntax generic && generic.TypeParameterList == null:
                return TryAdd("parameters-make-generic", new TextChange(new TextSpan(generic.Identifier.Span.End, 0), Pick(new[] { "<T>", "<T, U>", "<T>where T : struct", "<>" })));
            case 1 when parameters.Parameters.Count > 1:
            {
                int i = _rng.Next(parameters.Parameters.Count), j = _rng.Next(parameters.Parameters.Count);
                if (i == j) return false;
                return TryAdd($"parameters-swap #{i} <-> #{j}",
                    new TextChange(parameters.Parameters[i].Span, parameters.Parameters[j].ToString()),
                    new TextChange(parameters.Parameters[j].Span, parameters.Parameters[i].ToString()));
            }
            default:
            {
                int arity = _rng.Next(10);
                var sb = new StringBuilder();
                var names = s_parameterNames.OrderBy(_ => _rng.Next()).ToArray();
                for (int i = 0; i < arity; i++)
                {
                    if (i > 0) sb.Append(", ");
                    if (_rng.Next(25) == 0)
                    {
                        sb.Append("__arglist");
                        continue;
                    }

                    sb.Append(Pick(s_parameterModifiers)).Append(Pick(s_parameterTypes)).Append(' ').Append(names[i % names.Length]);
                    if (i >= names.Length) sb.Append(i);
                    sb.Append(Pick(s_defaults));
                }

                return TryAdd($"parameters-replace '({Short(sb.ToString())})'",
                    new TextChange(TextSpan.FromBounds(parameters.OpenParenToken.Span.End, parameters.CloseParenToken.SpanStart), sb.ToString()));
            }
        }
    }

    private bool EditAttribute()
    {
        var attributes = _root.DescendantNodes().OfType<AttributeSyntax>().ToArray();
        if (attributes.Length == 0) return false;
        var a = Pick(attributes);
        switch (_rng.Next(4))
        {
            case 0:
            {
                string name = Pick(new[] { "DllImport", "LibraryImport", "GeneratedDllImport", "System.Runtime.InteropServices.DllImportAttribute", "System.ComponentModel.Description", "DllImport<int>", "global::DllImport" });
                return TryAdd($"attribute-rename '{a.Name}' -> '{name}'", new TextChange(a.Name.Span, name));
            }
            case 1 when a.ArgumentList != null && a.ArgumentList.Arguments.Count > 0:
            {
                var arg = Pick(a.ArgumentList.Arguments);
                return TryAdd($"attribute-argument-delete '{Short(arg.ToString())}'", new TextChange(arg.Span, ""));
            }
            case 2:
            {
                string extra = Pick(new[] { "EntryPoint = \"mmap\"", "EntryPoint = \"mmap64\"", "EntryPoint = null", "EntryPoint = \"SystemNative_MMap\"", "EntryPoint = 42", "SetLastError = true", "EntryPoint = \"mmap\", EntryPoint = \"munmap\"", "\"libc\"" });
                int at = a.ArgumentList?.CloseParenToken.SpanStart ?? a.Span.End;
                string text = a.ArgumentList == null ? "(" + extra + ")" : (a.ArgumentList.Arguments.Count > 0 ? ", " : "") + extra;
                return TryAdd($"attribute-argument-add '{extra}'", new TextChange(new TextSpan(at, 0), text));
            }
            default:
            {
                var list = a.Parent as AttributeListSyntax;
                return list != null && TryAdd("attribute-list-delete", new TextChange(list.Span, ""));
            }
        }
    }

    private bool RelocateCall()
    {
        var calls = _root.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => i.Expression.ToString().Contains("map", StringComparison.OrdinalIgnoreCase)).ToArray();
        if (calls.Length == 0) return false;
        string call = Pick(calls).ToString();
        int n = _rng.Next(1000);
        switch (_rng.Next(7))
        {
            case 0:
            {
                var types = _root.DescendantNodes().OfType<TypeDeclarationSyntax>().ToArray();
                if (types.Length == 0) return false;
                var type = Pick(types);
                string member = Pick(new[]
                {
                    $"static readonly object __f{n} = {call};",
                    $"object __p{n} => {call};",
                    $"System.Func<object> __l{n} = () => {call};",
                    $"static __C{n}() {{ _ = {call}; }}",
                    $"async System.Threading.Tasks.Task __a{n}() {{ await System.Threading.Tasks.Task.Yield(); _ = {call}; }}",
                    $"System.Collections.Generic.IEnumerable<object> __i{n}() {{ yield return {call}; }}",
                    $"int __s{n}(object o) => o switch {{ int i when {call} != default => i, _ => 0 }};",
                    $"[System.ComponentModel.Description(\"\" + {call})] void __o{n}() {{ }}",
                    $"void __d{n}(object p = {call}) {{ }}",
                    $"const long __k{n} = (long){call};",
                });
                return TryAdd($"relocate-call into type '{type.Identifier.Text}'", new TextChange(new TextSpan(type.OpenBraceToken.Span.End, 0), "\n" + member + "\n"));
            }
            case 1:
            {
                var blocks = _root.DescendantNodes().OfType<BlockSyntax>().ToArray();
                if (blocks.Length == 0) return false;
                var block = Pick(blocks);
                string statement = Pick(new[]
                {
                    $"_ = {call};", $"System.Func<object> __l{n} = () => {call};", $"object __L{n}() => {call};",
                    $"var __v{n} = {call}; __v{n} = {call};", $"if ({call} is var __x{n}) {{ }}", $"using var __u{n} = (System.IDisposable)(object){call};",
                    $"foreach (var __e{n} in new[] {{ {call} }}) {{ }}", $"return {call};", $"yield return {call};", $"throw new System.Exception(\"\" + {call});",
                });
                return TryAdd("relocate-call into block", new TextChange(new TextSpan(block.OpenBraceToken.Span.End, 0), "\n" + statement + "\n"));
            }
            case 2:
            {
                var lists = _root.DescendantNodes().OfType<ParameterListSyntax>().ToArray();
                if (lists.Length == 0) return false;
                var list = Pick(lists);
                string p = (list.Parameters.Count > 0 ? ", " : "") + $"object __p{n} = {call}";
                return TryAdd("relocate-call into default parameter", new TextChange(new TextSpan(list.CloseParenToken.SpanStart, 0), p));
            }
            case 3:
            {
                // A top-level statement before the first member.
                var unit = _root as CompilationUnitSyntax;
                if (unit == null || unit.Members.Count == 0) return false;
                return TryAdd("relocate-call to top-level", new TextChange(new TextSpan(unit.Members[0].FullSpan.Start, 0), $"_ = {call};\n"));
            }
            case 4:
            {
                var members = _root.DescendantNodes().OfType<MemberDeclarationSyntax>().Where(m => m is not NamespaceDeclarationSyntax and not FileScopedNamespaceDeclarationSyntax).ToArray();
                if (members.Length == 0) return false;
                var member = Pick(members);
                return TryAdd("relocate-call into attribute", new TextChange(new TextSpan(member.SpanStart, 0), $"[System.ComponentModel.Description(\"\" + {call})][System.ComponentModel.DefaultValue({call})]\n"));
            }
            case 5:
            {
                var ctors = _root.DescendantNodes().OfType<ConstructorDeclarationSyntax>().Where(c => c.Initializer == null && c.Body != null).ToArray();
                if (ctors.Length == 0) return false;
                var ctor = Pick(ctors);
                return TryAdd("relocate-call into constructor initializer", new TextChange(new TextSpan(ctor.ParameterList.Span.End, 0), $" : base({call})"));
            }
            default:
            {
                // Replace a random expression by the call: calls nested in calls, in conditions, in indexers.
                // Not inside constant contexts: a call in a const initializer that a default parameter value refers back
                // to makes the C# compiler itself hang (finding 3), which no analyzer can survive.
                var expressions = _root.DescendantNodes().OfType<ExpressionSyntax>()
                    .Where(e => e is LiteralExpressionSyntax or IdentifierNameSyntax && !InConstantContext(e)).ToArray();
                if (expressions.Length == 0) return false;
                var e = Pick(expressions);
                return TryAdd($"relocate-call replacing '{Short(e.ToString())}'", new TextChange(e.Span, call));
            }
        }
    }

    private static bool InConstantContext(SyntaxNode node) =>
        node.Ancestors().Any(a => a is EqualsValueClauseSyntax { Parent: ParameterSyntax or EnumMemberDeclarationSyntax }
                                     or AttributeArgumentSyntax
                                     || a is VariableDeclarationSyntax { Parent: FieldDeclarationSyntax f } && f.Modifiers.Any(SyntaxKind.ConstKeyword)
                                     || a is LocalDeclarationStatementSyntax l && l.IsConst);

    private bool EditMember()
    {
        var members = _root.DescendantNodes().OfType<MemberDeclarationSyntax>().ToArray();
        if (members.Length == 0) return false;
        var m = Pick(members);
        return _rng.Next(3) switch
        {
            0 => TryAdd($"member-delete '{Short(m.ToString())}'", new TextChange(m.FullSpan, "")),
            1 => TryAdd($"member-duplicate '{Short(m.ToString())}'", new TextChange(new TextSpan(m.FullSpan.End, 0), m.ToFullString())),
            _ => TryAdd($"member-unbody '{Short(m.ToString())}'", m is BaseMethodDeclarationSyntax { Body: { } body } ? new TextChange(body.Span, ";") : new TextChange(new TextSpan(m.Span.End, 0), "")),
        };
    }

    private bool EditLine()
    {
        var lines = _text.Lines;
        if (lines.Count < 2) return false;
        var line = lines[_rng.Next(lines.Count)];
        switch (_rng.Next(3))
        {
            case 0:
                return TryAdd($"line-delete {line.LineNumber}", new TextChange(line.SpanIncludingLineBreak, ""));
            case 1:
                return TryAdd($"line-duplicate {line.LineNumber}", new TextChange(new TextSpan(line.SpanIncludingLineBreak.End, 0), _text.ToString(line.SpanIncludingLineBreak)));
            default:
            {
                var other = lines[_rng.Next(lines.Count)];
                if (other.LineNumber == line.LineNumber) return false;
                return TryAdd($"line-swap {line.LineNumber} <-> {other.LineNumber}",
                    new TextChange(line.Span, _text.ToString(other.Span)), new TextChange(other.Span, _text.ToString(line.Span)));
            }
        }
    }

    private bool InsertDirective()
    {
        var line = _text.Lines[_rng.Next(_text.Lines.Count)];
        string directive = Pick(s_directives);
        return TryAdd($"directive '{directive.Trim()}'@line {line.LineNumber}", new TextChange(new TextSpan(line.Start, 0), directive));
    }

    private bool InsertGarbage()
    {
        int at = _rng.Next(_text.Length + 1);
        string g = Pick(s_garbage);
        return TryAdd($"garbage U+{(int)g[0]:X4}@{at}", new TextChange(new TextSpan(at, 0), g));
    }

    private bool Truncate()
    {
        if (_tokens.Length == 0) return false;
        // Mid-expression: inside a hot token's span or right after it.
        var t = PickToken();
        _truncateAt = t.SpanStart + _rng.Next(t.Span.Length + 1);
        _log.Add($"truncate @{_truncateAt}");
        return true;
    }
}

internal static class ArgumentListExtensions
{
    public static SyntaxToken OpenBracketOrParen(this BaseArgumentListSyntax list) =>
        list is ArgumentListSyntax a ? a.OpenParenToken : ((BracketedArgumentListSyntax)list).OpenBracketToken;

    public static SyntaxToken CloseBracketOrParen(this BaseArgumentListSyntax list) =>
        list is ArgumentListSyntax a ? a.CloseParenToken : ((BracketedArgumentListSyntax)list).CloseBracketToken;
}

using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// How mmap bindings, their wrappers and their calls are named and written in source, read from syntax alone (before
    /// anything is bound): the one place the candidate search, the binding resolver and the wrapper resolver take names from.
    /// </summary>
    internal static class CallNames
    {
        /// <summary>Top-level statements: one scope for every top-level local function.</summary>
        public const int TopLevelScope = -2;

        /// <summary>
        /// Whether a method of this name can be an mmap binding the analyzer looks at: every binding seen in real code has
        /// "mmap" in its name (the entry point then decides). Checked on the invoked name before anything is bound.
        /// </summary>
        public static bool MayBeMmapName(string name) => name.IndexOf("mmap", StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>The native symbols the analyzer treats as mmap: glibc's mmap64 is the same function with a 64-bit offset.</summary>
        public static bool IsMmapEntryPoint(string? entryPoint) => entryPoint is "mmap" or "mmap64";

        /// <summary>The expression under its casts and parentheses (<c>(long)offset</c>, <c>(IntPtr)(p)</c>).</summary>
        public static ExpressionSyntax? WithoutCasts(ExpressionSyntax? expression)
        {
            while (true)
            {
                switch (expression)
                {
                    case CastExpressionSyntax cast:
                        expression = cast.Expression;
                        continue;
                    case ParenthesizedExpressionSyntax parenthesized:
                        expression = parenthesized.Expression;
                        continue;
                    default:
                        return expression;
                }
            }
        }

        public static string? InvokedName(ExpressionSyntax expression) => expression switch
        {
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
            MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            _ => null,
        };

        /// <summary>
        /// A call in an attribute never runs: attribute arguments must be constants (CS0182). It is not bound either,
        /// because Roslyn's own binder can throw on such arguments (a ref to a readonly field: no member contains it).
        /// </summary>
        public static bool InAttribute(SyntaxNode call)
        {
            for (SyntaxNode? node = call.Parent; node is not null and not MemberDeclarationSyntax and not CompilationUnitSyntax; node = node.Parent)
            {
                if (node is AttributeSyntax)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The invocation whose invoked name is this identifier: <c>M(...)</c>, <c>x.M(...)</c>, <c>x?.M(...)</c>, <c>a::M(...)</c>.</summary>
        public static InvocationExpressionSyntax? InvocationNamedBy(SyntaxToken identifier)
        {
            if (identifier.Parent is not SimpleNameSyntax name)
            {
                return null;
            }

            ExpressionSyntax invoked = name.Parent switch
            {
                MemberAccessExpressionSyntax access when access.Name == name => access,
                MemberBindingExpressionSyntax binding when binding.Name == name => binding,
                AliasQualifiedNameSyntax alias when alias.Name == name => alias,
                _ => name,
            };

            return invoked.Parent is InvocationExpressionSyntax call && call.Expression == invoked ? call : null;
        }

        /// <summary>A \u or \U anywhere (a single-character search: backslashes are rare outside string escapes).</summary>
        public static bool HasUnicodeEscape(string source)
        {
            for (int at = source.IndexOf('\\'); at >= 0 && at + 1 < source.Length; at = source.IndexOf('\\', at + 2))
            {
                if (source[at + 1] is 'u' or 'U')
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Where the member (method, accessor, constructor…) around this node starts; -1 outside any member.</summary>
        public static int MemberStart(SyntaxNode node)
        {
            for (SyntaxNode? current = node.Parent; current is not null; current = current.Parent)
            {
                if (current is GlobalStatementSyntax)
                {
                    return TopLevelScope; // Top-level local functions are visible in every top-level statement.
                }

                if (current is MemberDeclarationSyntax and not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax)
                {
                    return current.SpanStart;
                }
            }

            return -1;
        }

        public static (string Name, bool IsLocal)? EnclosingMethod(SyntaxNode node)
        {
            for (SyntaxNode? current = node.Parent; current is not null; current = current.Parent)
            {
                switch (current)
                {
                    case LocalFunctionStatementSyntax local:
                        return (local.Identifier.ValueText, true);
                    case MethodDeclarationSyntax method:
                        return (method.Identifier.ValueText, false);
                    case MemberDeclarationSyntax:
                        return null;
                }
            }

            return null;
        }

        /// <summary>The method or local function a node sits in, with its parameters; null in other members (accessors, constructors…).</summary>
        public static (string Name, bool IsLocal, ParameterListSyntax Parameters)? EnclosingDeclaration(SyntaxNode node)
        {
            for (SyntaxNode? current = node.Parent; current is not null; current = current.Parent)
            {
                switch (current)
                {
                    case LocalFunctionStatementSyntax local:
                        return (local.Identifier.ValueText, true, local.ParameterList);
                    case MethodDeclarationSyntax method:
                        return (method.Identifier.ValueText, false, method.ParameterList);
                    case MemberDeclarationSyntax:
                        return null;
                }
            }

            return null;
        }

        /// <summary>
        /// Whether the callee may write the argument's variable: <c>ref</c> or <c>out</c>, not <c>in</c> (a read-only
        /// reference; only <c>Unsafe.AsRef</c> writes through one, and that is not followed).
        /// </summary>
        public static bool LetsCalleeWrite(ArgumentSyntax argument) =>
            argument.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) || argument.RefKindKeyword.IsKind(SyntaxKind.OutKeyword);

        /// <summary>
        /// The instance constructor that runs a node as it constructs: the constructor whose own body or initializer holds
        /// it (not a lambda or local function in it), or the primary constructor of the type whose instance field or
        /// property initializer, or base arguments, hold it (<c>class Ring(nuint size) { readonly IntPtr _p = mmap(…,
        /// size, …); }</c>). The type's name and the constructor's parameters; null elsewhere.
        /// </summary>
        public static (string TypeName, ParameterListSyntax Parameters)? ConstructorRunning(SyntaxNode node)
        {
            for (SyntaxNode? current = node.Parent; current is not null; current = current.Parent)
            {
                switch (current)
                {
                    case ConstructorDeclarationSyntax constructor:
                        return constructor.Modifiers.Any(SyntaxKind.StaticKeyword) ? null : (constructor.Identifier.ValueText, constructor.ParameterList);
                    case PrimaryConstructorBaseTypeSyntax { Parent.Parent: TypeDeclarationSyntax { ParameterList: { } primaryParameters } derived }:
                        return (derived.Identifier.ValueText, primaryParameters); // class Holder(nuint size) : Base(mmap(…, size, …))
                    case EqualsValueClauseSyntax initializer when InitializedMember(initializer) is { } member:
                        return member.Parent is TypeDeclarationSyntax { ParameterList: { } parameters } type
                            && !member.Modifiers.Any(SyntaxKind.StaticKeyword) && !member.Modifiers.Any(SyntaxKind.ConstKeyword)
                            ? (type.Identifier.ValueText, parameters)
                            : null;
                    case LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or QueryExpressionSyntax or MemberDeclarationSyntax:
                        return null; // a query's clauses run when it is enumerated, as a lambda does when called
                }
            }

            return null;
        }

        /// <summary>
        /// The calls a wrapper's declaration makes when it runs: every call of a method's or constructor's body, and for a
        /// primary constructor (its declaration is its type's) those of the type's instance initializers and base arguments.
        /// </summary>
        public static IEnumerable<InvocationExpressionSyntax> CallsRunBy(SyntaxNode declaration) =>
            declaration.DescendantNodes().OfType<InvocationExpressionSyntax>()
                .Where(call => declaration is not TypeDeclarationSyntax type || ConstructorRunning(call)?.Parameters == type.ParameterList);

        private static MemberDeclarationSyntax? InitializedMember(EqualsValueClauseSyntax initializer) => initializer.Parent switch
        {
            PropertyDeclarationSyntax property => property,
            VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Parent: FieldDeclarationSyntax field } } => field,
            _ => null,
        };
    }
}

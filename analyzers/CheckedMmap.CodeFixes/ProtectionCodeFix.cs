using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.CodeFixes
{
    /// <summary>
    /// MMAP004: pass PROT_READ|PROT_WRITE, written the way the call already writes protections: the same constants
    /// (<c>Libc.PROT_READ | Libc.PROT_WRITE</c>, bare through <c>using static</c>), the same enum
    /// (<c>MemoryProtection.ReadWrite</c> or <c>Read | Write</c>, cast kept), or a literal <c>3</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ProtectionCodeFix)), Shared]
    public sealed class ProtectionCodeFix : ArgumentCodeFix
    {
        public const string Title = "Map PROT_READ|PROT_WRITE";

        public ProtectionCodeFix()
            : base(RuleIds.Protection, Title, nameof(ProtectionCodeFix))
        {
        }

        private protected override ExpressionSyntax? Replacement(ExpressionSyntax expression, IOperation value, ITypeSymbol type, SemanticModel model) =>
            ReadWriteInCallStyle(expression, value, type, model) is { } text ? SyntaxFactory.ParseExpression(text) : null;

        private static string? ReadWriteInCallStyle(ExpressionSyntax expression, IOperation value, ITypeSymbol parameterType, SemanticModel model)
        {
            // Keep an explicit cast the call wrote: (int)MemoryProtection.ReadWriteExecute -> (int)(MemoryProtection.Read | MemoryProtection.Write).
            string? cast = expression is CastExpressionSyntax castSyntax ? castSyntax.Type.ToString() : null;

            ISymbol[] members = value.DescendantsAndSelf()
                .Select(op => op switch
                {
                    IFieldReferenceOperation f => (ISymbol)f.Field,
                    IPropertyReferenceOperation p => p.Property,
                    _ => null,
                })
                .Where(s => s is not null)
                .Cast<ISymbol>()
                .ToArray();

            foreach (ISymbol member in members)
            {
                INamedTypeSymbol? container = member.ContainingType;
                if (container is null)
                {
                    continue;
                }

                string? qualifier = QualifierOf(expression, member);
                if (qualifier is null)
                {
                    continue;
                }

                string? readWrite = ReadWriteFrom(container, qualifier);
                if (readWrite is not null)
                {
                    return cast is null ? readWrite : $"({cast})({readWrite})";
                }
            }

            // Literals (or nothing we can name): the parameter's own enum if it has one, else PROT_READ and PROT_WRITE
            // constants in scope, else the number, in hex when the author wrote hex.
            if (parameterType is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType)
            {
                return ReadWriteFrom(enumType, enumType.ToMinimalDisplayString(model, expression.SpanStart) + ".");
            }

            if (model.LookupSymbols(expression.SpanStart, name: "PROT_READ").Any(IsConstant) && model.LookupSymbols(expression.SpanStart, name: "PROT_WRITE").Any(IsConstant))
            {
                return cast is null ? "PROT_READ | PROT_WRITE" : $"({cast})(PROT_READ | PROT_WRITE)";
            }

            bool hex = expression.DescendantTokens().Any(t => t.IsKind(SyntaxKind.NumericLiteralToken) && t.Text.StartsWith("0x", System.StringComparison.OrdinalIgnoreCase));
            string number = hex ? "0x3" : "3";
            return cast is null ? number : $"({cast}){number}";
        }

        private static bool IsConstant(ISymbol symbol) => symbol is IFieldSymbol { IsConst: true } or ILocalSymbol { IsConst: true };

        /// <summary>"Libc." for <c>Libc.PROT_EXEC</c>, "" for a bare <c>PROT_EXEC</c>; null if the member is not written in the expression.</summary>
        private static string? QualifierOf(ExpressionSyntax expression, ISymbol member)
        {
            foreach (SimpleNameSyntax name in expression.DescendantNodesAndSelf().OfType<SimpleNameSyntax>())
            {
                if (name.Identifier.ValueText != member.Name)
                {
                    continue;
                }

                return name.Parent is MemberAccessExpressionSyntax access && access.Name == name
                    ? access.Expression.ToString() + "."
                    : string.Empty;
            }

            return null;
        }

        /// <summary>PROT_READ | PROT_WRITE from the container's own members: PROT_* names, a value-3 member, or values 1 and 2.</summary>
        private static string? ReadWriteFrom(INamedTypeSymbol container, string qualifier)
        {
            ISymbol? Named(string name) => container.GetMembers(name).FirstOrDefault(m => m.IsStatic);

            if (Named("PROT_READ") is not null && Named("PROT_WRITE") is not null)
            {
                return $"{qualifier}PROT_READ | {qualifier}PROT_WRITE";
            }

            if (container.TypeKind != TypeKind.Enum)
            {
                return null;
            }

            IFieldSymbol[] fields = container.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).ToArray();
            IFieldSymbol? both = fields.FirstOrDefault(f => ToLong(f.ConstantValue) == MmapConstants.PROT_READ_WRITE);
            if (both is not null)
            {
                return qualifier + both.Name;
            }

            IFieldSymbol? read = fields.FirstOrDefault(f => ToLong(f.ConstantValue) == MmapConstants.PROT_READ);
            IFieldSymbol? write = fields.FirstOrDefault(f => ToLong(f.ConstantValue) == MmapConstants.PROT_WRITE);
            return read is not null && write is not null ? $"{qualifier}{read.Name} | {qualifier}{write.Name}" : null;
        }

        private static long? ToLong(object? value) => value switch
        {
            int i => i,
            uint u => u,
            long l => l,
            ulong ul => (long)ul,
            short s => s,
            ushort us => us,
            byte b => b,
            sbyte sb => sb,
            _ => null,
        };
    }
}

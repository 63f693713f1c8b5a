using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>Branch conditions that compare a local or parameter with an integer constant (<c>fd &lt; 0</c>, <c>-1 == fd</c>).</summary>
    internal static class Comparisons
    {
        /// <summary>
        /// The reference compared and the test its value passes when the condition is true. Signed integer comparisons only
        /// (an unsigned or a user-defined one means something else for -1).
        /// </summary>
        public static bool TryParse(IOperation? condition, out IOperation? reference, out Func<long, bool>? test)
        {
            reference = null;
            test = null;
            if (condition is not IBinaryOperation { OperatorMethod: null } binary || IsUnsigned(binary.LeftOperand.Type) || IsUnsigned(binary.RightOperand.Type))
            {
                return false;
            }

            IOperation left = StripConversions(binary.LeftOperand);
            IOperation right = StripConversions(binary.RightOperand);
            BinaryOperatorKind kind = binary.OperatorKind;
            long constant;
            if (IsVariable(left) && ConstantOf(right) is long c1)
            {
                reference = left;
                constant = c1;
            }
            else if (IsVariable(right) && ConstantOf(left) is long c2)
            {
                reference = right;
                constant = c2;
                kind = Flip(kind);
            }
            else
            {
                return false;
            }

            test = kind switch
            {
                BinaryOperatorKind.Equals => v => v == constant,
                BinaryOperatorKind.NotEquals => v => v != constant,
                BinaryOperatorKind.LessThan => v => v < constant,
                BinaryOperatorKind.LessThanOrEqual => v => v <= constant,
                BinaryOperatorKind.GreaterThan => v => v > constant,
                BinaryOperatorKind.GreaterThanOrEqual => v => v >= constant,
                _ => null,
            };

            return test is not null;
        }

        private static BinaryOperatorKind Flip(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThan,
            BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThanOrEqual,
            BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThan,
            BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThanOrEqual,
            _ => kind,
        };

        private static bool IsVariable(IOperation operation) =>
            operation is ILocalReferenceOperation || operation is IParameterReferenceOperation { Parameter.RefKind: RefKind.None };

        private static long? ConstantOf(IOperation operation) =>
            operation.ConstantValue.HasValue && operation.ConstantValue.Value is not null ? IntegerConversions.FromConstant(operation.ConstantValue.Value) : null;

        /// <summary>Implicit (widening) integer conversions keep the value (<c>(long)fd</c>, <c>(nint)fd</c>); anything else is not looked through.</summary>
        private static IOperation StripConversions(IOperation operation)
        {
            while (operation is IConversionOperation { OperatorMethod: null, Conversion.IsImplicit: true, Conversion.IsNumeric: true } conversion
                   && IntegerConversions.IsTrackable(conversion.Operand.Type) && !IsUnsigned(conversion.Operand.Type))
            {
                operation = conversion.Operand;
            }

            return operation;
        }

        private static bool IsUnsigned(ITypeSymbol? type) => type?.SpecialType is SpecialType.System_Byte or SpecialType.System_UInt16
            or SpecialType.System_UInt32 or SpecialType.System_UInt64 or SpecialType.System_UIntPtr or SpecialType.System_Char;
    }
}

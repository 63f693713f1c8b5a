using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>How an integer bit pattern changes when C# converts it to another integral type (unchecked).</summary>
    internal static class IntegerConversions
    {
        /// <summary>
        /// True when <paramref name="type"/> holds an integer we can track: the integral types, enums (through their
        /// underlying type), nint/nuint/IntPtr/UIntPtr, char, bool and pointers (all read as 64-bit).
        /// </summary>
        public static bool IsTrackable(ITypeSymbol? type) => GetWidth(type, out _) != 0;

        /// <summary>The value as <paramref name="type"/> holds it (truncated, then sign- or zero-extended to 64 bits).</summary>
        public static long? ConvertTo(long value, ITypeSymbol? type)
        {
            int width = GetWidth(type, out bool signed);
            if (width == 0)
            {
                return null;
            }

            return Truncate(value, width, signed);
        }

        /// <summary>The operand values a checked conversion from <paramref name="from"/> to <paramref name="to"/> lets
        /// through (the others throw OverflowException); null when either is not an integer type (pointers included).</summary>
        public static CheckedRange? GetCheckedRange(ITypeSymbol? from, ITypeSymbol? to)
        {
            if (from is null || to is null || from.TypeKind == TypeKind.Pointer || to.TypeKind == TypeKind.Pointer)
            {
                return null;
            }

            int fromWidth = GetWidth(from, out bool fromSigned);
            int toWidth = GetWidth(to, out bool toSigned);
            return fromWidth > 1 && toWidth > 1 ? new CheckedRange(fromSigned, toWidth, toSigned) : null;
        }

        /// <summary>The range of a checked conversion's target, applied to values as their operand's type holds them.</summary>
        internal readonly struct CheckedRange
        {
            private readonly bool _fromSigned;
            private readonly int _toWidth;
            private readonly bool _toSigned;

            public CheckedRange(bool fromSigned, int toWidth, bool toSigned)
            {
                _fromSigned = fromSigned;
                _toWidth = toWidth;
                _toSigned = toSigned;
            }

            /// <summary>Whether <paramref name="value"/> (the operand's bit pattern, extended to 64 bits as its type
            /// holds it) converts without overflow.</summary>
            public bool Fits(long value)
            {
                if (_fromSigned && value < 0)
                {
                    return _toSigned && (_toWidth == 64 || value >= -(1L << (_toWidth - 1)));
                }

                ulong magnitude = unchecked((ulong)value); // an unsigned 64-bit operand's pattern is its value
                ulong max = _toSigned
                    ? (_toWidth == 64 ? long.MaxValue : (1UL << (_toWidth - 1)) - 1)
                    : (_toWidth == 64 ? ulong.MaxValue : (1UL << _toWidth) - 1);
                return magnitude <= max;
            }
        }

        public static long Truncate(long value, int width, bool signed)
        {
            switch (width)
            {
                case 1:
                    return value != 0 ? 1 : 0;
                case 8:
                    return signed ? (sbyte)value : (byte)value;
                case 16:
                    return signed ? (short)value : (ushort)value;
                case 32:
                    return signed ? (int)value : (uint)value;
                default:
                    return value;
            }
        }

        /// <summary>Bit width (0 when not an integer type we track) and signedness.</summary>
        public static int GetWidth(ITypeSymbol? type, out bool signed)
        {
            signed = false;
            if (type is null || type.TypeKind == TypeKind.Error)
            {
                return 0;
            }

            if (type.TypeKind == TypeKind.Pointer || type.TypeKind == TypeKind.FunctionPointer)
            {
                return 64;
            }

            if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
            {
                type = underlying;
            }

            switch (type.SpecialType)
            {
                case SpecialType.System_Boolean:
                    return 1;
                case SpecialType.System_SByte:
                    signed = true;
                    return 8;
                case SpecialType.System_Byte:
                    return 8;
                case SpecialType.System_Int16:
                    signed = true;
                    return 16;
                case SpecialType.System_UInt16:
                case SpecialType.System_Char:
                    return 16;
                case SpecialType.System_Int32:
                    signed = true;
                    return 32;
                case SpecialType.System_UInt32:
                    return 32;
                case SpecialType.System_Int64:
                case SpecialType.System_IntPtr:
                    signed = true;
                    return 64;
                case SpecialType.System_UInt64:
                case SpecialType.System_UIntPtr:
                    return 64;
                default:
                    return 0;
            }
        }

        /// <summary>A compile-time constant as a 64-bit pattern; null for strings, floating point and non-numeric constants.</summary>
        public static long? FromConstant(object? constant)
        {
            switch (constant)
            {
                case int i:
                    return i;
                case uint u:
                    return u;
                case long l:
                    return l;
                case ulong ul:
                    return unchecked((long)ul);
                case short s:
                    return s;
                case ushort us:
                    return us;
                case byte b:
                    return b;
                case sbyte sb:
                    return sb;
                case char c:
                    return c;
                case bool bo:
                    return bo ? 1 : 0;
                default:
                    return null;
            }
        }
    }
}

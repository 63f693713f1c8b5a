using System.Linq;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// Computes what an expression can evaluate to, as a bounded set of integers, from its IOperation tree:
    /// literals, constants, enum members, casts and conversions (user-defined ones looked through), bit operators,
    /// ternaries, IntPtr construction, static readonly fields and expression-bodied properties declared in source,
    /// the known bindings' named constants, referenced libraries' constant getters (read from their IL), and locals through <see cref="ILocalValueSource"/>.
    /// Anything else is <see cref="ValueSet.Unknown"/>, which no rule reports on.
    /// </summary>
    internal sealed class ValueEvaluator
    {
        private const int MaxDepth = 24;

        private readonly EvaluationScope _scope;
        private readonly ILocalValueSource? _locals;

        public ValueEvaluator(EvaluationScope scope, ILocalValueSource? locals)
        {
            _scope = scope;
            _locals = locals;
        }

        public ValueSet Evaluate(IOperation? operation) => Evaluate(operation, 0);

        internal ValueSet Evaluate(IOperation? operation, int depth)
        {
            if (operation is null || depth > MaxDepth)
            {
                return ValueSet.Unknown;
            }

            ValueSet result = EvaluateStructure(operation, depth + 1);
            if (result.IsUnknown && operation.ConstantValue.HasValue && IntegerConversions.FromConstant(operation.ConstantValue.Value) is long constant)
            {
                return ValueSet.Single(constant);
            }

            return result;
        }

        private ValueSet EvaluateStructure(IOperation operation, int depth)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    return EvaluateConversion(conversion, depth);
                case ILiteralOperation literal:
                    return Constant(literal);
                case IFieldReferenceOperation field:
                    return EvaluateField(field.Field, operation.SemanticModel, depth);
                case IPropertyReferenceOperation { Arguments.Length: 0 } property when property.Property.IsStatic:
                    return EvaluateProperty(property.Property, operation.SemanticModel, depth);
                case IPropertyReferenceOperation { Property.Name: "Value", Instance: { } nullable } when IsNullable(nullable.Type):
                    return Evaluate(nullable, depth); // x.Value: its numbers (a null throws)
                case IInvocationOperation { TargetMethod.Name: "GetValueOrDefault", Instance: { } nullable } getValue when IsNullable(nullable.Type):
                    return OrWhenNull(Evaluate(nullable, depth), getValue.Arguments.Length == 1 ? Evaluate(getValue.Arguments[0].Value, depth) : ValueSet.Single(0));
                case ICoalesceOperation coalesce:
                    return OrWhenNull(Evaluate(coalesce.Value, depth), Evaluate(coalesce.WhenNull, depth));
                case IPropertyReferenceOperation property when OsConditions.IsPlatformId(property):
                    return ValueSet.Single(OsConditions.PlatformIdOnTarget);
                case IPropertyReferenceOperation property when DescriptorSources.IsStreamHandle(property):
                    return ValueSet.Descriptor;
                case IInvocationOperation invocation:
                    return EvaluateInvocation(invocation, depth);
                case ILocalReferenceOperation local:
                    return EvaluateLocal(local, depth);
                case IParameterReferenceOperation parameter:
                    return _locals?.ValueOf(parameter) ?? ValueSet.Unknown;
                case IFlowCaptureReferenceOperation capture:
                    return _locals?.ValueOf(capture) ?? ValueSet.Unknown;
                case IBinaryOperation binary:
                    return EvaluateBinary(binary, depth);
                case IUnaryOperation unary:
                    return EvaluateUnary(unary, depth);
                case IConditionalOperation { WhenFalse: not null } conditional:
                    return EvaluateConditional(conditional, depth);
                case ISwitchExpressionOperation switchExpression:
                    return EvaluateSwitch(switchExpression, depth);
                case ICompoundAssignmentOperation compound:
                    return EvaluateCompound(compound, depth);
                case ISimpleAssignmentOperation { IsRef: false } assignment:
                    return Evaluate(assignment.Value, depth);
                case IObjectCreationOperation creation:
                    return EvaluateCreation(creation, depth);
                case IDefaultValueOperation defaultValue when IsNullable(defaultValue.Type):
                    return ValueSet.Empty; // null: no number
                case IDefaultValueOperation defaultValue:
                    return defaultValue.Type is { IsValueType: true } || IntegerConversions.IsTrackable(defaultValue.Type)
                        ? ValueSet.Single(0)
                        : ValueSet.Unknown;
                case IParenthesizedOperation parenthesized:
                    return Evaluate(parenthesized.Operand, depth);
                case IIsPatternOperation isPattern:
                    return EvaluatePattern(isPattern.Pattern, Evaluate(isPattern.Value, depth));
                default:
                    return ValueSet.Unknown;
            }
        }

        /// <summary>
        /// A pattern test (1 or 0 for each value): constant patterns, <c>not</c> and the discard, as a switch expression's
        /// arms are tested in its control flow graph (<c>k switch { 0 => …, 1 => …, _ => … }</c> with k known takes one arm).
        /// </summary>
        private static ValueSet EvaluatePattern(IPatternOperation pattern, ValueSet value)
        {
            switch (pattern)
            {
                case IDiscardPatternOperation:
                    return ValueSet.Single(1);
                case INegatedPatternOperation negated:
                    return EvaluatePattern(negated.Pattern, value).Map(v => v == 0 ? 1 : 0);
                case IConstantPatternOperation { Value.ConstantValue: { HasValue: true } constant }
                    when IntegerConversions.FromConstant(constant.Value) is long expected:
                    return value.IsKnown ? value.Map(v => v == expected ? 1 : 0) : ValueSet.Unknown;
                default:
                    return ValueSet.Unknown;
            }
        }

        private static ValueSet Constant(IOperation operation)
        {
            if (!operation.ConstantValue.HasValue)
            {
                return ValueSet.Unknown;
            }

            object? value = operation.ConstantValue.Value;
            if (value is null)
            {
                // null into a pointer or IntPtr-like parameter is 0; a null int? holds no number.
                return IsNullable(operation.Type) ? ValueSet.Empty : ValueSet.Single(0);
            }

            return IntegerConversions.FromConstant(value) is long v ? ValueSet.Single(v) : ValueSet.Unknown;
        }

        private ValueSet EvaluateConversion(IConversionOperation conversion, int depth)
        {
            if (conversion.OperatorMethod is not null)
            {
                // User-defined (long -> off_t, ulong -> size_t): the struct carries the operand's value.
                return Evaluate(conversion.Operand, depth);
            }

            if (conversion.Operand.ConstantValue.HasValue && conversion.Operand.ConstantValue.Value is null)
            {
                // null -> void* (or a function pointer) is 0. Anything else is no number: a null reference or Nullable<T>,
                // or a call that throws before it runs ((int)(object)null, (int)(long?)null).
                return conversion.Type?.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer ? ValueSet.Single(0) : ValueSet.Empty;
            }

            ValueSet inner = Evaluate(conversion.Operand, depth);
            if (inner.IsUnknown || !IntegerConversions.IsTrackable(conversion.Type))
            {
                return inner;
            }

            ITypeSymbol target = conversion.Type!;
            if (conversion.IsChecked && inner.IsKnown // not bit masks, not a descriptor: those are unknown
                && IntegerConversions.GetCheckedRange(conversion.Operand.Type, target) is { } range)
            {
                // checked((nuint)n) with n = -1 throws OverflowException before the call runs: such a value reaches nothing.
                inner = inner.Where(v => range.Fits(v));
            }

            return inner.Map(v => IntegerConversions.ConvertTo(v, target) ?? v);
        }

        /// <summary>
        /// <c>x ?? y</c>, <c>x.GetValueOrDefault(y)</c>: x's numbers, and y's where x may be null. A null adds no number to a
        /// set, so a set cannot say whether x may be null: y always counts (x only ever null is the empty set, so y alone).
        /// </summary>
        private static ValueSet OrWhenNull(ValueSet value, ValueSet whenNull) =>
            value.IsUnknown ? ValueSet.Unknown : value.Union(whenNull);

        private static bool IsNullable(ITypeSymbol? type) => type?.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;

        private ValueSet EvaluateInvocation(IInvocationOperation invocation, int depth)
        {
            if (DescriptorSources.ReturnsDescriptor(invocation) || DescriptorSources.OpensHandle(invocation))
            {
                return ValueSet.Descriptor;
            }

            if (DescriptorSources.IsDangerousGetHandle(invocation))
            {
                return Evaluate(invocation.Instance, depth);
            }

            // A platform check is a value like any other: bool mac = OperatingSystem.IsMacOS(); if (mac) … follows it.
            if (invocation.Type?.SpecialType == SpecialType.System_Boolean && OsConditions.Evaluate(invocation, _scope.Target, _scope.Models) is bool onTarget)
            {
                return ValueSet.Single(onTarget ? 1 : 0);
            }

            // flags.HasFlag(MmapFlags.Shared): an enum's own test of bits.
            if (invocation.TargetMethod is { Name: "HasFlag", IsStatic: false } hasFlag && invocation.Arguments.Length == 1
                && hasFlag.ContainingType?.SpecialType == SpecialType.System_Enum && invocation.Instance is { } instance)
            {
                ValueSet bits = Evaluate(invocation.Arguments[0].Value, depth);
                return ValueSet.Combine(Evaluate(instance, depth), bits, (v, b) => (v & b) == b ? 1 : 0);
            }

            // A referenced library's parameterless constant method, read from its IL; else a small method in source (flags
            // converted from an abstract enum, a constant per OS), its body run on the argument values.
            ValueSet fromIl = FromReferencedIl(invocation.TargetMethod, invocation.TargetMethod.ReturnType);
            return fromIl.IsKnown ? fromIl : HelperMethods.Evaluate(invocation, this, _scope, depth);
        }

        private ValueSet EvaluateLocal(ILocalReferenceOperation reference, int depth)
        {
            ILocalSymbol local = reference.Local;
            if (local.IsConst)
            {
                // Descend into a source initializer so names inside it (MAP_ANON...) are read by name.
                ValueSet fromSource = EvaluateDeclaredInitializer(local, local.Type, reference.SemanticModel, depth);
                return fromSource.IsKnown ? fromSource : Constant(reference);
            }

            return _locals?.ValueOf(reference) ?? ValueSet.Unknown;
        }

        private ValueSet EvaluateField(IFieldSymbol field, SemanticModel? current, int depth)
        {
            if (!IntegerConversions.IsTrackable(field.Type) && !(field.Type is { IsValueType: true } && field.IsStatic))
            {
                return DescriptorFields.ValueOf(field, _scope, current, depth); // a SafeHandle field
            }

            if (field.IsStatic && field.Name == "Zero"
                && field.ContainingType?.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
            {
                return ValueSet.Single(0);
            }

            if (IntegerConversions.IsTrackable(field.Type) && KnownConstantNames.IsAnonymousName(field.Name) && !IsAbstractSourceEnumMember(field))
            {
                // Counts as anonymous whatever number this library gave it (a shim's MAP_ANONYMOUS that native code
                // converts, another system's number). An "Anonymous" member of the author's own enum numbered like no
                // system's MAP_ANONYMOUS (4) is that number: such an enum is an abstraction a helper converts.
                return ValueSet.Single(_scope.Constants.MapAnonymous);
            }

            if (TryKnownBindingConstant(field.ContainingType, field.Name, out ValueSet known))
            {
                return known;
            }

            if (field.HasConstantValue)
            {
                ValueSet fromSource = EvaluateDeclaredInitializer(field, field.Type, current, depth);
                if (fromSource.IsKnown)
                {
                    return fromSource;
                }

                return IntegerConversions.FromConstant(field.ConstantValue) is long v ? ValueSet.Single(v) : ValueSet.Unknown;
            }

            if (field.IsStatic && field.IsReadOnly && !HasExplicitStaticConstructor(field.ContainingType))
            {
                // A static constructor may assign the field again (per-platform values): then only run time knows. Without
                // one the initializer is the field's only write, descriptor or not.
                return EvaluateDeclaredInitializer(field, field.Type, current, depth);
            }

            return DescriptorFields.ValueOf(field, _scope, current, depth);
        }

        /// <summary>A member of an enum declared in source, not named as libc names it, whose number is no system's
        /// MAP_ANONYMOUS: the author's own flag, which a helper turns into libc's numbers.</summary>
        private static bool IsAbstractSourceEnumMember(IFieldSymbol field)
        {
            if (field.ContainingType.TypeKind != TypeKind.Enum || field.DeclaringSyntaxReferences.IsEmpty
                || field.Name.StartsWith("MAP_", System.StringComparison.OrdinalIgnoreCase)
                || IntegerConversions.FromConstant(field.ConstantValue) is not long declared)
            {
                return false;
            }

            foreach (TargetOS target in AllTargets)
            {
                if (MmapConstants.For(target).MapAnonymous == declared)
                {
                    return false;
                }
            }

            return true;
        }

        private static readonly TargetOS[] AllTargets = (TargetOS[])System.Enum.GetValues(typeof(TargetOS));

        private ValueSet EvaluateProperty(IPropertySymbol property, SemanticModel? current, int depth)
        {
            if (IntegerConversions.IsTrackable(property.Type) && KnownConstantNames.IsAnonymousName(property.Name))
            {
                return ValueSet.Single(_scope.Constants.MapAnonymous);
            }

            if (TryKnownBindingConstant(property.ContainingType, property.Name, out ValueSet known))
            {
                return known;
            }

            ValueSet fromSource = MayBeAssignedByStaticConstructor(property)
                ? ValueSet.Unknown
                : EvaluateDeclaredInitializer(property, property.Type, current, depth);
            return fromSource.IsKnown || property.GetMethod is not { } getter ? fromSource : FromReferencedIl(getter, property.Type);
        }

        /// <summary>A referenced library's constant getter (<c>=&gt; 0x8000000</c>), read from its IL.</summary>
        private static ValueSet FromReferencedIl(IMethodSymbol method, ITypeSymbol type) =>
            IntegerConversions.IsTrackable(type) && ReferencedConstants.ValueOf(method) is long v
                ? ValueSet.Single(IntegerConversions.ConvertTo(v, type) ?? v)
                : ValueSet.Unknown;

        /// <summary>Tmds.LibC's static properties carry Linux numbers; our runtime's carry the target's.</summary>
        private bool TryKnownBindingConstant(INamedTypeSymbol? container, string name, out ValueSet value)
        {
            value = ValueSet.Unknown;
            Contract.MmapConstants? table = _scope.Known.IsTmdsLibC(container) ? Contract.MmapConstants.Linux
                : _scope.Known.IsMman(container) ? _scope.TargetConstants
                : null;
            if (table is not null && KnownConstantNames.TryGetValue(name, table, out long v))
            {
                value = ValueSet.Single(v);
                return true;
            }

            return false;
        }

        /// <summary>
        /// The value of a const or static readonly field's initializer, a const local's initializer, or an
        /// expression-bodied (or single-return getter) static property, read from source. Locals are not visible there.
        /// </summary>
        private ValueSet EvaluateDeclaredInitializer(ISymbol symbol, ITypeSymbol type, SemanticModel? current, int depth)
        {
            if (symbol.DeclaringSyntaxReferences.Length != 1)
            {
                return ValueSet.Unknown; // metadata, or a partial declaration we cannot pick from
            }

            SyntaxReference reference = symbol.DeclaringSyntaxReferences[0];
            ExpressionSyntax? expression = GetInitializerExpression(reference.GetSyntax());

            // A constant's plain literal initializer tells nothing its ConstantValue does not; skip the semantic model.
            bool hasConstant = symbol is IFieldSymbol { HasConstantValue: true } || symbol is ILocalSymbol { HasConstantValue: true };
            if (expression is null || (hasConstant && IsPlainLiteral(expression)))
            {
                return ValueSet.Unknown;
            }

            SemanticModel? model = _scope.Models.Get(reference.SyntaxTree, current);
            IOperation? operation = model?.GetOperation(expression);
            if (operation is null)
            {
                return ValueSet.Unknown;
            }

            var evaluator = new ValueEvaluator(_scope, locals: null);
            ValueSet value = evaluator.Evaluate(operation, depth);
            return IntegerConversions.IsTrackable(type) ? value.Convert(v => IntegerConversions.ConvertTo(v, type) ?? v) : value;
        }

        internal static ExpressionSyntax? GetInitializerExpression(SyntaxNode declaration)
        {
            switch (declaration)
            {
                case VariableDeclaratorSyntax variable:
                    return variable.Initializer?.Value;
                case EnumMemberDeclarationSyntax member:
                    return member.EqualsValue?.Value;
                case PropertyDeclarationSyntax property:
                    if (property.ExpressionBody is { } arrow)
                    {
                        return arrow.Expression;
                    }

                    AccessorDeclarationSyntax? getter = property.AccessorList?.Accessors.FirstOrDefault(a => a.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.GetAccessorDeclaration));
                    if (getter is null || property.AccessorList!.Accessors.Count != 1)
                    {
                        return null; // a setter means the value can change
                    }

                    if (getter.ExpressionBody is { } getterArrow)
                    {
                        return getterArrow.Expression;
                    }

                    // A static get-only auto-property holds its initializer (callers rule out a static constructor,
                    // which could assign it again).
                    if (getter.Body is null && property.Initializer is { } initializer
                        && property.Modifiers.Any(m => m.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.StaticKeyword)))
                    {
                        return initializer.Value;
                    }

                    return getter.Body is { Statements.Count: 1 } body && body.Statements[0] is ReturnStatementSyntax ret ? ret.Expression : null;
                default:
                    return null;
            }
        }

        private static bool IsPlainLiteral(ExpressionSyntax expression) =>
            expression is LiteralExpressionSyntax
            || expression is PrefixUnaryExpressionSyntax { Operand: LiteralExpressionSyntax };

        private ValueSet EvaluateBinary(IBinaryOperation binary, int depth)
        {
            if (binary.OperatorMethod is not null)
            {
                return ValueSet.Unknown;
            }

            ValueSet left = Evaluate(binary.LeftOperand, depth);
            if (left.IsUnknown && !left.HasBits)
            {
                return ValueSet.Unknown;
            }

            ValueSet right = Evaluate(binary.RightOperand, depth);
            return binary.IsChecked
                ? ApplyChecked(binary.OperatorKind, left, right, binary.Type ?? binary.LeftOperand.Type)
                : Apply(binary.OperatorKind, left, right, binary.Type ?? binary.LeftOperand.Type);
        }

        /// <summary>
        /// As <see cref="Apply"/>, in a checked context (<c>checked(…)</c>, <c>checked { flags += x; }</c>): a sum, difference or
        /// product that overflows the type throws there, so that value never reaches the call.
        /// </summary>
        private static ValueSet ApplyChecked(BinaryOperatorKind kind, ValueSet left, ValueSet right, ITypeSymbol? type)
        {
            if (kind is not (BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply)
                || !IntegerConversions.IsTrackable(type) || IntegerConversions.GetWidth(type, out _) >= 64 || left.HasBits || right.HasBits)
            {
                return Apply(kind, left, right, type);
            }

            ValueSet exact = ValueSet.Combine(left, right, kind switch
            {
                BinaryOperatorKind.Add => (l, r) => unchecked(l + r),
                BinaryOperatorKind.Subtract => (l, r) => unchecked(l - r),
                _ => (l, r) => unchecked(l * r),
            });
            return exact.IsKnown ? exact.Where(v => IntegerConversions.ConvertTo(v, type) == v) : Apply(kind, left, right, type);
        }

        private static ValueSet Apply(BinaryOperatorKind kind, ValueSet left, ValueSet right, ITypeSymbol? type)
        {
            if (Comparison(kind) is { } compare)
            {
                // A condition: 1 where it holds, 0 where it does not (branches are pruned when every value agrees).
                return ValueSet.Combine(left, right, (l, r) => compare(l, r) ? 1 : 0);
            }

            int width = IntegerConversions.GetWidth(type, out bool signed);

            // C# takes a shift count modulo the width of the shifted type: 31 for int and narrower (promoted), 63 for 64 bits.
            long shiftMask = width == 64 ? 63 : 31;
            ValueSet result;
            switch (kind)
            {
                case BinaryOperatorKind.Or:
                    result = ValueSet.CombineBits(left, right, or: true);
                    break;
                case BinaryOperatorKind.And:
                    result = ValueSet.CombineBits(left, right, or: false);
                    break;
                case BinaryOperatorKind.ExclusiveOr:
                    result = ValueSet.Combine(left, right, (l, r) => l ^ r);
                    break;
                case BinaryOperatorKind.Add:
                    result = ValueSet.Combine(left, right, (l, r) => unchecked(l + r));
                    break;
                case BinaryOperatorKind.Subtract:
                    result = ValueSet.Combine(left, right, (l, r) => unchecked(l - r));
                    break;
                case BinaryOperatorKind.Multiply:
                    result = ValueSet.Combine(left, right, (l, r) => unchecked(l * r));
                    break;
                case BinaryOperatorKind.Divide:
                case BinaryOperatorKind.Remainder:
                    {
                        if (!right.IsKnown)
                        {
                            return ValueSet.Unknown;
                        }

                        // Division by zero throws before any value reaches the call: a zero divisor gives no value. So
                        // does the type's minimum divided by -1; rather than pair values, such a set is left unknown.
                        right = right.Where(r => r != 0);
                        long minimum = width == 64 ? long.MinValue : -(1L << (System.Math.Max(width, 32) - 1));
                        if (signed && right.Values.Contains(-1) && !left.IsUnknown && left.Values.Contains(minimum))
                        {
                            return ValueSet.Unknown;
                        }

                        bool divide = kind == BinaryOperatorKind.Divide;
                        result = ValueSet.Combine(left, right, (l, r) =>
                            !signed ? (long)(divide ? (ulong)l / (ulong)r : (ulong)l % (ulong)r)
                            : r == -1 ? (divide ? unchecked(-l) : 0) // never the minimum here (see above); keeps the analyzer from throwing
                            : divide ? l / r : l % r);
                        break;
                    }

                case BinaryOperatorKind.LeftShift:
                    result = ValueSet.Combine(left, right, (l, r) => l << (int)(r & shiftMask));
                    break;
                case BinaryOperatorKind.RightShift:
                    result = ValueSet.Combine(left, right, (l, r) => signed ? l >> (int)(r & shiftMask) : (long)((ulong)l >> (int)(r & shiftMask)));
                    break;
                default:
                    return ValueSet.Unknown;
            }

            return IntegerConversions.IsTrackable(type) ? result.Convert(v => IntegerConversions.ConvertTo(v, type) ?? v) : ValueSet.Unknown;
        }

        /// <summary>The test of an integer comparison operator; null for any other operator.</summary>
        internal static System.Func<long, long, bool>? Comparison(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.Equals => (l, r) => l == r,
            BinaryOperatorKind.NotEquals => (l, r) => l != r,
            BinaryOperatorKind.LessThan => (l, r) => l < r,
            BinaryOperatorKind.LessThanOrEqual => (l, r) => l <= r,
            BinaryOperatorKind.GreaterThan => (l, r) => l > r,
            BinaryOperatorKind.GreaterThanOrEqual => (l, r) => l >= r,
            _ => null,
        };

        private ValueSet EvaluateUnary(IUnaryOperation unary, int depth)
        {
            if (unary.OperatorMethod is null && unary.OperatorKind == UnaryOperatorKind.Not && unary.Type?.SpecialType == SpecialType.System_Boolean)
            {
                return Evaluate(unary.Operand, depth).Map(v => v == 0 ? 1 : 0);
            }

            if (unary.OperatorMethod is not null || !IntegerConversions.IsTrackable(unary.Type))
            {
                return ValueSet.Unknown;
            }

            ValueSet operand = Evaluate(unary.Operand, depth);
            ITypeSymbol type = unary.Type!;
            switch (unary.OperatorKind)
            {
                case UnaryOperatorKind.BitwiseNegation:
                    return operand.Map(v => IntegerConversions.ConvertTo(~v, type) ?? ~v);
                case UnaryOperatorKind.Minus:
                    return operand.Map(v => IntegerConversions.ConvertTo(unchecked(-v), type) ?? unchecked(-v));
                case UnaryOperatorKind.Plus:
                    return operand;
                default:
                    return ValueSet.Unknown;
            }
        }

        private ValueSet EvaluateConditional(IConditionalOperation conditional, int depth)
        {
            switch (OsConditions.Evaluate(conditional.Condition, _scope.Target, _scope.Models) ?? Evaluate(conditional.Condition, depth).Decided())
            {
                case true:
                    return Evaluate(conditional.WhenTrue, depth);
                case false:
                    return Evaluate(conditional.WhenFalse, depth);
            }

            ValueSet whenTrue = Evaluate(conditional.WhenTrue, depth);
            return whenTrue.IsUnknown && !whenTrue.HasBits && !whenTrue.HasDescriptor ? whenTrue : whenTrue.Union(Evaluate(conditional.WhenFalse, depth));
        }

        /// <summary>
        /// The arms a switch expression may take, as a conditional's branches: with its governing value known, the arms
        /// whose pattern may match it, up to the first that surely does; else every arm. An arm whose guard is known to be
        /// false is never taken; no arm taken (the expression throws) leaves no value.
        /// </summary>
        private ValueSet EvaluateSwitch(ISwitchExpressionOperation switchExpression, int depth)
        {
            ValueSet governing = Evaluate(switchExpression.Value, depth);
            ValueSet result = ValueSet.Empty;
            foreach (ISwitchExpressionArmOperation arm in switchExpression.Arms)
            {
                bool? matches = EvaluatePattern(arm.Pattern, governing).Decided();
                bool? guard = arm.Guard is null
                    ? true
                    : OsConditions.Evaluate(arm.Guard, _scope.Target, _scope.Models) ?? Evaluate(arm.Guard, depth).Decided();
                if (matches == false || guard == false)
                {
                    continue;
                }

                ValueSet value = Evaluate(arm.Value, depth);
                if (value.IsUnknown && !value.HasBits && !value.HasDescriptor)
                {
                    return value;
                }

                result = result.Union(value);
                if (matches == true && guard == true)
                {
                    break;
                }
            }

            return result;
        }

        private ValueSet EvaluateCompound(ICompoundAssignmentOperation compound, int depth)
        {
            if (compound.OperatorMethod is not null || compound.InConversion.MethodSymbol is not null || compound.OutConversion.MethodSymbol is not null)
            {
                return ValueSet.Unknown;
            }

            ValueSet target = Evaluate(compound.Target, depth);
            if (target.IsUnknown && !target.HasBits)
            {
                return target;
            }

            return compound.IsChecked
                ? ApplyChecked(compound.OperatorKind, target, Evaluate(compound.Value, depth), compound.Target.Type)
                : Apply(compound.OperatorKind, target, Evaluate(compound.Value, depth), compound.Target.Type);
        }

        private ValueSet EvaluateCreation(IObjectCreationOperation creation, int depth)
        {
            ITypeSymbol? type = creation.Type;
            if (type is null || creation.Arguments.Length == 0)
            {
                return type is { IsValueType: true } && creation.Arguments.Length == 0 && IntegerConversions.IsTrackable(type) ? ValueSet.Single(0) : ValueSet.Unknown;
            }

            if (type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr && creation.Arguments.Length == 1)
            {
                ValueSet value = Evaluate(creation.Arguments[0].Value, depth);
                return value.Convert(v => IntegerConversions.ConvertTo(v, type) ?? v);
            }

            // new SafeFileHandle(new IntPtr(-1), ownsHandle: false): the handle is the first constructor argument.
            if (IsSafeHandle(type) && creation.Constructor is { Parameters.Length: > 0 } ctor
                && ctor.Parameters[0].Type.SpecialType == SpecialType.System_IntPtr)
            {
                IArgumentOperation? first = creation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0);
                return first is null ? ValueSet.Unknown : Evaluate(first.Value, depth);
            }

            return ValueSet.Unknown;
        }

        /// <summary>
        /// An auto-property (<c>{ get; } = …</c>, whose value lives in a compiler-made field) of a type with a static
        /// constructor, which may assign it after its initializer.
        /// </summary>
        internal static bool MayBeAssignedByStaticConstructor(IPropertySymbol property) =>
            HasExplicitStaticConstructor(property.ContainingType)
            && property.ContainingType!.GetMembers().Any(m => m is IFieldSymbol { AssociatedSymbol: { } owner } && SymbolEqualityComparer.Default.Equals(owner, property));

        /// <summary>A static constructor in source, which may assign a static readonly field or get-only auto-property again.</summary>
        internal static bool HasExplicitStaticConstructor(INamedTypeSymbol? type)
        {
            if (type is null)
            {
                return false;
            }

            foreach (IMethodSymbol constructor in type.StaticConstructors)
            {
                if (!constructor.IsImplicitlyDeclared)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsSafeHandle(ITypeSymbol type)
        {
            for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
            {
                if (t.Name == "SafeHandle" && t.ContainingNamespace?.ToDisplayString() == "System.Runtime.InteropServices")
                {
                    return true;
                }
            }

            return false;
        }
    }
}

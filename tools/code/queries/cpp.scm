; C++ tags for flashcode. Method patterns come first so they win over the function ones.
(function_definition
  declarator: [(function_declarator declarator: (field_identifier) @name)
               (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name))
               (reference_declarator (function_declarator declarator: (field_identifier) @name))
               (function_declarator declarator: (qualified_identifier name: (identifier) @name))
               (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (identifier) @name)))
               (reference_declarator (function_declarator declarator: (qualified_identifier name: (identifier) @name)))]) @definition.method

; Method declarations inside a class body (the header's API).
(field_declaration
  declarator: [(function_declarator declarator: (field_identifier) @name)
               (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name))
               (reference_declarator (function_declarator declarator: (field_identifier) @name))]) @definition.method

(function_definition
  declarator: [(function_declarator declarator: (identifier) @name)
               (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
               (reference_declarator (function_declarator declarator: (identifier) @name))]) @definition.function

; Prototypes at file or namespace scope only: inside a function body `Foo foo(a, b);` is a
; variable (the most vexing parse), not a declaration of a function.
(translation_unit
  (declaration
    declarator: [(function_declarator declarator: (identifier) @name)
                 (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))]) @definition.function)
(declaration_list
  (declaration
    declarator: [(function_declarator declarator: (identifier) @name)
                 (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))]) @definition.function)

(class_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.class
(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.enum
(namespace_definition name: (namespace_identifier) @name) @definition.module
(alias_declaration name: (type_identifier) @name) @definition.type
(type_definition declarator: (type_identifier) @name) @definition.type
(concept_definition name: (identifier) @name) @definition.type
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro

; constexpr / const globals named like constants.
(declaration
  (type_qualifier)
  declarator: (init_declarator declarator: (identifier) @name)
  (#match? @name "^k?[A-Z][A-Za-z0-9_]*$")) @definition.constant

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(call_expression function: (qualified_identifier name: (identifier) @name)) @reference.call
(type_identifier) @name @reference.type

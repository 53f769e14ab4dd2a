; Python tags for flashcode. Methods first: a function directly in a class body is a method.
(class_definition
  body: (block
    [(function_definition name: (identifier) @name) @definition.method
     (decorated_definition
       definition: (function_definition name: (identifier) @name) @definition.method)]))

(function_definition name: (identifier) @name) @definition.function

(class_definition name: (identifier) @name) @definition.class

; Module-level UPPER_CASE assignments are constants.
(module
  (expression_statement
    (assignment left: (identifier) @name) @definition.constant)
  (#match? @name "^[A-Z_][A-Z0-9_]*$"))

(call function: (identifier) @name) @reference.call
(call function: (attribute attribute: (identifier) @name)) @reference.call
(class_definition superclasses: (argument_list (identifier) @name @reference.class))
(type (identifier) @name @reference.type)

; JSON tags for flashcode: the top-level keys of a document are its "definitions".
(document (object (pair key: (string (string_content) @name)) @definition.constant))

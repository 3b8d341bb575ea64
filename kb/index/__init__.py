"""The Whoosh index: schema, documents, the store, the manifest and the builders."""

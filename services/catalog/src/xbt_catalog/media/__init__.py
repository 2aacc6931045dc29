"""Media (媒体文件): the files behind resources — lesson videos, documents, interactive pages —
kept in GridFS in the owner's database and served by signed, expiring links."""

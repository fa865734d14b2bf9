"""Protected personal data: field encryption and blind indexes, the encrypted model field, 身份证号
and phone checks and masks, key rotation."""

/** Every JSON example of seed 002 (shared/seeds/002_3b25832b2394c05d.txt), copied verbatim in order. */

export const createRequest = {
  "merchant_key": "mkey-ckfhqahxy04g6e4qs6t3f00nl",
  "order_currency": "USD",
  "order_amount": 10,
  "payment_name": "Premium Subscription",
  "payer_id": "TRE1787238200",
  "payer_name": "Alice Tan",
  "payer_email": "alice.tan@triple-a.io",
  "payer_phone": "+6591234567",
  "payer_ip": "203.116.172.50",
  "success_url": "https://www.success.io/success.html",
  "cancel_url": "https://www.failure.io/cancel.html",
  "webhook_data": {
    "order_id": "ABC12345-12"
  }
}

export const createResponse = {
  "payment_reference": "SDF-453672-PMT",
  "name": "Premium Subscription",
  "order_currency": "USD",
  "order_amount": 10,
  "payment_status": "processing",
  "expiry_date": "2026-02-01T03:57:22Z",
  "hosted_url": "https://pay.bitxpay.com/link/SDF-453672-PMT",
  "token_type": "x-api-key",
  "expires_in": 1499,
  "is_active": true,
  "max_uses": 1,
  "current_uses": 0,
  "notify_secret": "Cf9mx4nAvRuy5vwBY2FCtaKr"
}

export const error401Create = {
  "error": "unauthorized",
  "message": "Missing or invalid access token",
  "code": 401
}

export const error400Create = {
  "error": "invalid_request",
  "message": "Validation failed",
  "code": 400,
  "details": [
    {
      "field": "order_amount",
      "issue": "must be greater than 0"
    },
    {
      "field": "order_currency",
      "issue": "must be a valid 3-letter ISO 4217 code (e.g. GBP, USD)"
    },
    {
      "field": "payer_email",
      "issue": "must be a valid email address"
    }
  ]
}

export const error422Create = {
  "error": "unprocessable_entity",
  "message": "Maximum uses cannot exceed 100 for this account tier",
  "code": 422
}

export const updateRequest = {
  "id": "b8b2362d-f30c-4d9b-9a2e-08fa183d0d49",
  "status": "expired"
}

export const updateResponse = {
  "payment_reference": "SDF-453672-PMT",
  "name": "order_123222",
  "order_currency": "USD",
  "order_amount": 10,
  "payment_status": "expired",
  "expiry_date": "2020-01-26T03:57:22Z",
  "hosted_url": "https://pay.bitxpay.com/link/SDF-453672-PMT",
  "token_type": "x-api-key",
  "expires_in": 0,
  "is_active": false,
  "max_uses": 1,
  "current_uses": 0,
  "notify_secret": "Cf9mx4nAvRuy5vwBY2FCtaKr"
}

export const error401Update = {
  "error": "unauthorized",
  "message": "Missing or invalid access token",
  "code": 401
}

export const error400Update = {
  "error": "invalid_request",
  "message": "Validation failed",
  "code": 400,
  "details": [
    {
      "field": "status",
      "issue": "must be one of: expired, inactive, cancelled"
    }
  ]
}

export const error404Update = {
  "error": "not_found",
  "message": "Payment link not found",
  "code": 404
}

export const error422Update = {
  "error": "unprocessable_entity",
  "message": "Cannot update status of completed payment",
  "code": 422
}

export const detailsResponse = {
  "id": "3d0a5e66-f5a5-432e-86e6-e9405a94fba6",
  "name": "order_123222",
  "amount": 0.1,
  "currency": "GBP",
  "payment_type": "direct",
  "payment_status": "processing",
  "payment_link": "https://pay.bitxpay.com/payment_link?payment_id=3d0a5e66-f5a5-432e-86e6-e9405a94fba6",
  "expires_at": "2026-01-30T15:11:57Z",
  "is_active": true,
  "max_uses": 1,
  "current_uses": 0,
  "is_expired": false,
  "is_available": true,
  "decimals": 2,
  "usd_price": "0.7243",
  "payers": [
    {
      "id": "d540b44c-b10c-4ef3-92cb-5154b252bb46",
      "name": "hassan",
      "email": "hassaankazzmi@gmail.com",
      "country": "AF"
    }
  ],
  "merchant_customer": {
    "customer_id": "hs-032-026",
    "customer_name": "HSK",
    "email": "hassaankazzmi@gmail.com"
  },
  "txs": [
    {
      "t3a_id": "16ff14ea264ee91c5728a36b5b89b07122e58269ca682abcd3571dc634591d4e",
      "txid": "cba3bcf8e4d0d77e2b6af9f16dcc68ac3f5fa7432020d2368541b14bf547b09b",
      "order_currency": "USD",
      "receive_amount": 10,
      "status": "confirmed",
      "status_date": "2020-01-26T03:57:22Z",
      "payment_tier": "good",
      "payment_tier_date": "2020-01-26T03:57:22Z",
      "payment_currency": "USD",
      "payment_amount": 10,
      "payment_crypto_amount": 0.00001234
    }
  ]
}

export const error401Details = {
  "error": "unauthorized",
  "message": "Invalid or expired access token",
  "code": 401
}

export const error404Details = {
  "error": "not_found",
  "message": "Payment not found",
  "code": 404
}

export const error400Details = {
  "error": "invalid_request",
  "message": "payment_id must be a valid UUID",
  "code": 400
}

export const listResponse = {
  "page": 1,
  "page_size": 20,
  "total_items": 78,
  "total_pages": 4,
  "has_more": true,
  "payment_links": [
    {
      "id": "3d0a5e66-f5a5-432e-86e6-e9405a94fba6",
      "name": "Order #123222 - Premium Membership",
      "amount": 249.99,
      "currency": "GBP",
      "status": "processing",
      "payment_link": "https://pay.bitxpay.com/link/3d0a5e66-f5a5-432e-86e6-e9405a94fba6",
      "expires_at": "2026-03-15T23:59:59Z",
      "is_active": true,
      "created_at": "2026-01-30T14:11:57Z"
    },
    {
      "id": "a2b3c4d5-e6f7-8901-2345-67890abcdef1",
      "name": "Invoice #INV-2024-001",
      "amount": 150.00,
      "currency": "USD",
      "status": "completed",
      "payment_link": "https://pay.bitxpay.com/link/a2b3c4d5-e6f7-8901-2345-67890abcdef1",
      "expires_at": "2026-02-28T23:59:59Z",
      "is_active": false,
      "created_at": "2026-01-28T10:30:00Z"
    }
  ]
}

export const error401List = {
  "error": "unauthorized",
  "message": "Invalid or expired token",
  "code": 401
}

export const error400List = {
  "error": "invalid_request",
  "message": "page_size must be between 1 and 100",
  "code": 400
}

export const webhookPayload = {
  "event_type": "payment.completed",
  "payment_id": "3d0a5e66-f5a5-432e-86e6-e9405a94fba6",
  "payment_reference": "SDF-453672-PMT",
  "status": "completed",
  "amount": 10,
  "currency": "USD",
  "webhook_data": {
    "order_id": "ABC12345-12"
  },
  "timestamp": "2026-01-31T12:00:00Z",
  "signature": "sha256_hash_of_payload"
}

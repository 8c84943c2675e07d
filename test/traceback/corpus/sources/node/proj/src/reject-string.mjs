Promise.reject('secret reason for alice');
